// Clock: the one seam through which the engine reads wall-clock time, and
// (MonotonicClock) through which the HTTP server reads time for timeouts.
//
// Durable timers are wall-clock (UTC milliseconds since the Unix epoch)
// because they outlive the process. Production code asks a Clock, never
// std::chrono directly, so tests drive time with ManualClock.
//
// Threading: SystemClock is stateless and thread-safe. ManualClock is safe to
// read from any thread; advance it from the test's thread.
// Ownership: the engine borrows a Clock&; the caller keeps it alive.
#pragma once

#include <atomic>
#include <cstdint>

namespace sundial {

// Milliseconds since the Unix epoch, UTC.
using TimeMs = int64_t;
// A span of time in milliseconds.
using DurationMs = int64_t;

constexpr DurationMs kSecondMs = 1000;
constexpr DurationMs kMinuteMs = 60 * kSecondMs;
constexpr DurationMs kHourMs = 60 * kMinuteMs;
constexpr DurationMs kDayMs = 24 * kHourMs;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override;
};

// Milliseconds from an arbitrary origin that never jumps (steady_clock):
// for timeouts and durations, compared only with other readings of the
// same clock. Stateless; `monotonic_clock()` is a shared instance.
class MonotonicClock final : public Clock {
 public:
  TimeMs now_ms() const override;
};
const MonotonicClock& monotonic_clock();

// A clock that moves only when told. Starts at `start` (default 2026-01-01).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start = 1767225600000) : now_(start) {}
  TimeMs now_ms() const override { return now_.load(std::memory_order_acquire); }
  void set(TimeMs t) { now_.store(t, std::memory_order_release); }
  void advance(DurationMs d) { now_.fetch_add(d, std::memory_order_acq_rel); }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace sundial
