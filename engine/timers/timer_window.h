// TimerWindow: the near future of the durable timers, in memory. Every timer
// due before loaded_until() is in the heap (or already fired); later ones
// stay on disk until a range scan of the `timers` column family loads them.
// So a million far-future timers cost disk, not memory.
//
// Pure: no libuv, no clock of its own: callers pass `now`. The scan function
// reads committed timers in key order (due, id).
//
// Invariants: take_due never returns a timer before its due time; timers
// with equal due time come out in insertion order (scans insert in key
// order). A timer may come out twice (added by its commit and found by a
// scan): consumers check it is still current.
//
// Threading: loop thread only. Ownership: owned by TimerService.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/storage/keys.h"

namespace sundial {

struct TimerWindowOptions {
  // Default: 60s. How far ahead of now the window loads.
  DurationMs span = kMinuteMs;
  // Default: 10000. Most timers one scan loads; a dense window is loaded in parts.
  size_t scan_limit = 10000;
};

class TimerWindow {
 public:
  // Visits committed timers with due in [from, to) in key order, at most
  // `limit` of them (0 = no limit).
  using ScanTimers = std::function<Result<std::vector<keys::TimerKey>>(TimeMs from, TimeMs to,
                                                                         size_t limit)>;

  TimerWindow(TimerWindowOptions options, ScanTimers scan);

  // A timer that was just committed. Kept only if the window covers it.
  void add(TimeMs due, std::string instance_id);
  // Pops up to `max` timers due at or before `now`, loading from storage as
  // the window moves.
  Result<std::vector<keys::TimerKey>> take_due(TimeMs now, size_t max);
  // When the caller should call take_due next: the earliest timer in memory
  // or the time to load the next part of the window.
  TimeMs next_wake() const;
  // Forgets everything in memory; the next take_due reloads from storage.
  void reset();

  // Timers held in memory now.
  size_t in_memory() const { return heap_.size(); }
  TimeMs loaded_until() const { return loaded_until_; }

 private:
  struct Entry {
    TimeMs due;
    uint64_t order;
    std::string id;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
  };

  // One range scan from loaded_until_ towards `until`.
  Result<void> load_part(TimeMs until);
  void push(TimeMs due, std::string id);

  TimerWindowOptions options_;
  ScanTimers scan_;
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_order_ = 0;
  TimeMs loaded_until_ = 0;  // every timer due before this is in memory or fired
};

}  // namespace sundial
