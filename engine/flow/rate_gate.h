// RateGate: a connector's outbound rate limit — a token bucket (`rate`
// per second, bursts of `burst`) in front of the provider, which also
// holds every call back for as long as the provider said when it answered
// 429. Calls that must wait are queued, in order, and let through by a
// timer; nothing blocks.
//
// Threading: loop thread only (acquire/hold_for/waiting check it and abort
// otherwise, docs/threading.md rule 6). Ownership: owns the queued callbacks; borrows
// the Loop and the Clock.
#pragma once

#include <deque>
#include <functional>

#include "engine/base/clock.h"
#include "engine/base/token_bucket.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"

namespace sundial {

class RateGate {
 public:
  RateGate(Loop& loop, Clock& clock, double rate_per_second, double burst);

  // Runs `go` as soon as the budget allows (maybe at once).
  void acquire(std::move_only_function<void()> go);
  // Up to `wanted` tokens at once, for a caller that hands out work rather
  // than waiting (a task queue's claims): how many it took, 0 while the
  // gate is held or callers queue behind it (they go first).
  size_t try_take(size_t wanted);
  // How long until try_take() may give a token (0: now).
  DurationMs until_token() const;
  // A new rate and burst from now on (a limiter changed through the API):
  // the calls waiting keep their order and pass at the new pace.
  void reconfigure(double rate_per_second, double burst);
  // Hands back the calls waiting, in order, and forgets them (the limiter
  // is deleted: its owner lets them through).
  std::deque<std::move_only_function<void()>> take_waiting();
  // The provider asked to wait: nothing passes for `delay`.
  void hold_for(DurationMs delay);
  size_t waiting() const;
  // Tokens in the bucket now (0 while held).
  double tokens() const;
  // Nobody waits, no hold, and the bucket is full: the same as a new gate.
  bool idle() const;

 private:
  void drain();

  Loop& loop_;
  Clock& clock_;
  TokenBucket bucket_;
  TimeMs held_until_ = 0;
  std::deque<std::move_only_function<void()>> queue_;
  UvTimer timer_;
};

}  // namespace sundial
