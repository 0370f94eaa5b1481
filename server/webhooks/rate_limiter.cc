#include "server/webhooks/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace sundial::webhooks {

RateLimiter::RateLimiter(Clock& clock, double rate_per_second, double burst, size_t max_clients)
    : clock_(clock), rate_(rate_per_second), burst_(std::max(1.0, burst)), max_clients_(max_clients) {}

int64_t RateLimiter::acquire(const std::string& client) {
  TimeMs now = clock_.now_ms();
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) forget_idle(now);
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now - b.updated) / 1000.0);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / rate_)));
}

void RateLimiter::forget_idle(TimeMs now) {
  // A bucket that would be full again is the same as no bucket.
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + rate_ * static_cast<double>(now - b.updated) / 1000.0 >= burst_;
  });
  // Still full of active clients: drop everything rather than grow without bound.
  if (buckets_.size() >= max_clients_) buckets_.clear();
}

}  // namespace sundial::webhooks
