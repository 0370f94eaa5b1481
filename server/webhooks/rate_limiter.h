// RateLimiter: a token bucket per client (IP address) for public webhook
// routes: `rate` tokens per second up to `burst`. Memory is bounded: idle
// clients whose bucket refilled are forgotten, and the table has a cap.
//
// Threading: loop thread only. Ownership: borrows the Clock.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/base/clock.h"
#include "engine/base/token_bucket.h"

namespace sundial::webhooks {

class RateLimiter {
 public:
  RateLimiter(Clock& clock, double rate_per_second, double burst, size_t max_clients = 100000);

  // 0 when `client` may proceed (a token is taken); otherwise the whole
  // seconds to wait for the next token (at least 1).
  int64_t acquire(const std::string& client);
  size_t tracked_clients() const { return buckets_.size(); }

 private:
  void forget_idle(TimeMs now);

  Clock& clock_;
  double rate_;
  double burst_;
  size_t max_clients_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace sundial::webhooks
