// TimerService fires durable timers on the loop. It binds a TimerWindow to
// one uv timer, armed for the earliest timer in memory, and to range scans
// of the `timers` column family, which run on the WorkPool ahead of need.
// It re-reads the Clock on every wake and never sleeps longer than
// max_sleep, so a wall-clock jump strands nothing. Timers that came due
// while the process was down fire once the first scan is back.
//
// Threading: loop thread only (checked at each entry point); scans on the
// WorkPool.
// Ownership: owned by Runtime. Borrows Loop, Clock, Store and WorkPool
// (must outlive it); owns its scans (dropped when it is destroyed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "engine/base/clock.h"
#include "engine/base/log_histogram.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/storage/store.h"
#include "engine/timers/timer_window.h"

namespace sundial {

class TimerService {
 public:
  // Called for each timer whose due time has come; the timer may be stale
  // (already cancelled or moved): the callee checks.
  using OnDue = std::function<void(const keys::TimerKey&)>;

  struct Stats {
    uint64_t fired = 0;
    DurationMs max_lateness = 0;
    LogHistogram lateness_ms;  // fire time minus due time
  };

  // Default: 1s. Longest the service sleeps without re-reading the clock.
  static constexpr DurationMs kMaxSleep = kSecondMs;
  // Timers fired per poll before the loop gets a turn.
  static constexpr size_t kMaxPerPoll = 1024;

  TimerService(Loop& loop, Clock& clock, Store& store, WorkPool& pool, TimerWindowOptions options,
               OnDue on_due);
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Fires what is due, starts a scan if the window needs one, and arms the
  // uv timer. The first call starts loading the window. Does nothing while
  // held.
  void poll();
  // Held from construction and from reset() until release(): nothing fires
  // while the owner recovers (a timer fired then would find it not
  // accepting, and an in-memory one would be lost). release() polls.
  void release();
  // A timer that was just committed.
  void add(TimeMs due, std::string instance_id);
  // A timer kept in memory only, never written: its owner arms it for a
  // deadline it can rebuild from its own records (a running task's lease
  // end) and adds it again after a reset. It fires through OnDue like a
  // stored one, at most once; remove_in_memory() disarms it.
  void add_in_memory(TimeMs due, std::string id);
  void remove_in_memory(TimeMs due, const std::string& id);
  // Drops the in-memory window and the in-memory timers (after a storage
  // failure) and holds; poll() reloads the window, owners re-add their
  // timers before release().
  void reset();
  void stop();
  Stats stats() const { return stats_; }
  size_t in_memory() const { return window_.in_memory() + memory_only_.size(); }
  // Scans submitted to the pool and not yet back.
  size_t scans_in_flight() const { return scans_.outstanding(); }

 private:
  void arm(DurationMs delay);
  void arm_for(TimeMs due);
  void fire(TimeMs now, const keys::TimerKey& key);
  void start_scan(TimeMs now);
  void on_scanned(const TimerScan& scan, Result<std::vector<keys::TimerKey>> found);

  Loop& loop_;
  Clock& clock_;
  Store& store_;
  TimerWindow window_;
  std::set<std::pair<TimeMs, std::string>> memory_only_;  // add_in_memory()
  OnDue on_due_;
  UvTimer uv_timer_;
  TimeMs armed_for_ = 0;  // wall time the uv timer was armed for; 0 = not armed
  bool stopped_ = false;
  bool held_ = true;
  Stats stats_;
  WorkScope scans_;  // last: destroyed first
};

}  // namespace sundial
