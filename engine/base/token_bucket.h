// TokenBucket: the arithmetic of every rate limit in Sundial (a webhook
// client's budget, a connector's outbound gate): `rate` tokens a second
// flow into a bucket that holds at most `burst`, and each request takes
// one. Whatever the timing of requests, at most burst + rate × W of them
// pass in any window of W seconds.
//
// Pure: the caller passes the time (a Clock's now_ms), so tests drive it
// with any schedule. Threading: its owner's thread. Ownership: a value.
#pragma once

#include "engine/base/clock.h"

namespace sundial {

class TokenBucket {
 public:
  // Full at `now`. `burst` below 1 counts as 1; `rate_per_second` must be > 0.
  TokenBucket(double rate_per_second, double burst, TimeMs now);

  // Takes a token if one is there at `now`.
  bool try_take(TimeMs now);
  // How long from `now` until a token is there (0: now).
  DurationMs wait(TimeMs now) const;
  // Spends every token: the next one is 1 / rate after `now`.
  void drain(TimeMs now);
  // Whether the bucket is full at `now` (it then equals a fresh one).
  bool full(TimeMs now) const;
  double tokens(TimeMs now) const;
  // From `now` on, `rate_per_second` and `burst` (below 1 counts as 1):
  // the tokens earned so far stay, capped at the new burst.
  void reconfigure(double rate_per_second, double burst, TimeMs now);
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void refill(TimeMs now);

  double rate_;
  double burst_;
  double tokens_;
  TimeMs updated_;
};

}  // namespace sundial
