// ActivityWindow: how many instances started, completed and failed in each
// minute of the last hour, counted from the engine's events as they commit
// (Engine subscribes it to its EventLog). The dashboard's overview and
// GET /api/v1/stats show it. Counted in memory since the process started:
// a restart begins from zero (`counting_since` says when), which is what a
// rate over the last hour needs, without a scan or a write per event.
//
// Threading: loop thread only (EventLog delivers there; the stats route
// reads there). Ownership: a plain value owned by Engine.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/base/clock.h"
#include "engine/model/event.h"

namespace sundial {

struct ActivityBucket {
  TimeMs at = 0;  // the minute's start
  uint64_t started = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
};

struct ActivityReport {
  TimeMs counting_since = 0;
  std::vector<ActivityBucket> buckets;  // kMinutes of them, oldest first, the last holding `now`
  uint64_t started = 0;                 // totals over the buckets
  uint64_t completed = 0;
  uint64_t failed = 0;
};

class ActivityWindow {
 public:
  static constexpr int kMinutes = 60;
  static constexpr TimeMs kBucketMs = 60'000;

  explicit ActivityWindow(TimeMs counting_since) : counting_since_(counting_since) {}

  // Counts `event` in the minute of its commit time when it is a start, a
  // completion or a failure (a step's failed attempt is not one).
  void count(const EngineEvent& event);
  // The hour that ends with the minute holding `now`.
  ActivityReport report(TimeMs now) const;

 private:
  struct Slot {
    int64_t minute = -1;  // the minute (time / kBucketMs) this slot counts, -1 when none
    ActivityBucket counts;
  };
  std::array<Slot, kMinutes> slots_{};
  TimeMs counting_since_;
};

}  // namespace sundial
