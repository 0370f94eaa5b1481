// TimerService fires durable timers on the loop. It binds a TimerWindow to
// one uv timer, armed for the earliest timer in memory, and to range scans
// of the `timers` column family. It re-reads the Clock on every wake and
// never sleeps longer than max_sleep, so a wall-clock jump strands nothing.
// Timers that came due while the process was down fire on the first poll.
//
// Threading: loop thread only (checked at each entry point).
// Ownership: owned by Runtime. Borrows Loop, Clock and Store (must outlive it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "engine/base/clock.h"
#include "engine/base/log_histogram.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
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

  TimerService(Loop& loop, Clock& clock, Store& store, TimerWindowOptions options, OnDue on_due);
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Fires what is due and arms the uv timer. The first call loads the window.
  void poll();
  // A timer that was just committed.
  void add(TimeMs due, std::string instance_id);
  // Drops the in-memory window (after a storage failure); poll() reloads.
  void reset();
  void stop();
  Stats stats() const { return stats_; }
  size_t in_memory() const { return window_.in_memory(); }

 private:
  void arm(DurationMs delay);

  Loop& loop_;
  Clock& clock_;
  TimerWindow window_;
  OnDue on_due_;
  UvTimer uv_timer_;
  TimeMs armed_for_ = 0;  // wall time the uv timer was armed for; 0 = not armed
  bool stopped_ = false;
  Stats stats_;
};

}  // namespace sundial
