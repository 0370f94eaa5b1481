#include "server/webhooks/rate_limiter.h"

#include <algorithm>

namespace sundial::webhooks {

RateLimiter::RateLimiter(Clock& clock, double rate_per_second, double burst, size_t max_clients)
    : clock_(clock), rate_(rate_per_second), burst_(burst), max_clients_(max_clients) {}

int64_t RateLimiter::acquire(const std::string& client) {
  TimeMs now = clock_.now_ms();
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) forget_idle(now);
    it = buckets_.try_emplace(client, rate_, burst_, now).first;
  }
  TokenBucket& b = it->second;
  if (b.try_take(now)) return 0;
  return std::max<int64_t>(1, (b.wait(now) + 999) / 1000);
}

void RateLimiter::forget_idle(TimeMs now) {
  // A bucket that would be full again is the same as no bucket.
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.full(now); });
  // Still full of active clients: drop everything rather than grow without bound.
  if (buckets_.size() >= max_clients_) buckets_.clear();
}

}  // namespace sundial::webhooks
