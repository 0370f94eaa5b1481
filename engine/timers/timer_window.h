// TimerWindow: the near future of the durable timers, in memory. Every timer
// due before loaded_until() is in the heap (or already fired); later ones
// stay on disk until a range scan of the `timers` column family loads them.
// So a million far-future timers cost disk, not memory.
//
// Pure: no libuv, no clock, no storage. The caller asks next_scan(now) what
// to read, reads it elsewhere (TimerService: on the WorkPool) and hands the
// rows to scan_done(). Scans start while half a span is still loaded, so
// the window is refilled before it runs dry and firing never waits on one.
//
// Invariants: take_due never returns a timer before its due time; timers
// with equal due time come out in insertion order (scans insert in key
// order). A timer may come out twice (added by its commit and found by a
// scan): consumers check it is still current. A timer added while a scan
// of its due time is under way is kept, whatever that scan saw. At most
// about 2 × scan_limit timers are held.
//
// Threading: loop thread only. Ownership: owned by TimerService.
#pragma once

#include <cstdint>
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

// Committed timers with due in [from, to), in key order, at most `limit`
// of them (0 = no limit). `generation` ties the answer to the window's
// state when it was asked (reset() makes older answers stale).
struct TimerScan {
  TimeMs from = 0;
  TimeMs to = 0;
  size_t limit = 0;
  uint64_t generation = 0;
};

class TimerWindow {
 public:
  explicit TimerWindow(TimerWindowOptions options);

  // A timer that was just committed. Kept only if the window covers it (or
  // a scan under way covers it).
  void add(TimeMs due, std::string instance_id);
  // Pops up to `max` timers due at or before `now` from memory.
  std::vector<keys::TimerKey> take_due(TimeMs now, size_t max);
  // The scan to run now, if the window should load more and no scan is
  // under way; the window then counts it as under way.
  std::optional<TimerScan> next_scan(TimeMs now);
  // The rows a scan from next_scan() found. Stale answers are ignored.
  void scan_done(const TimerScan& scan, std::vector<keys::TimerKey> found);
  // The scan could not be read; next_scan() will ask for it again.
  void scan_failed(const TimerScan& scan);
  bool scanning() const { return scanning_; }
  // When the caller should call take_due next: the earliest timer in memory
  // or the time to load the next part of the window.
  TimeMs next_wake() const;
  // Forgets everything in memory; the next scan reloads from storage.
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

  void push(TimeMs due, std::string id);

  TimerWindowOptions options_;
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_order_ = 0;
  TimeMs loaded_until_ = 0;  // every timer due before this is in memory or fired
  uint64_t generation_ = 0;
  bool scanning_ = false;
  TimeMs scanning_to_ = 0;  // end of the scan under way
  // The last part was cut short inside one due time: load all of that due
  // time next, whatever the limit.
  bool whole_due_next_ = false;
};

}  // namespace sundial
