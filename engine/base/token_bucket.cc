#include "engine/base/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace sundial {

TokenBucket::TokenBucket(double rate_per_second, double burst, TimeMs now)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(burst_), updated_(now) {}

double TokenBucket::tokens(TimeMs now) const {
  if (now <= updated_) return tokens_;
  return std::min(burst_, tokens_ + rate_ * static_cast<double>(now - updated_) / 1000.0);
}

void TokenBucket::refill(TimeMs now) {
  if (now > updated_) {
    tokens_ = tokens(now);
    updated_ = now;
  }
}

bool TokenBucket::try_take(TimeMs now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

DurationMs TokenBucket::wait(TimeMs now) const {
  double have = tokens(now);
  if (have >= 1.0) return 0;
  return std::max<DurationMs>(1, static_cast<DurationMs>(std::ceil((1.0 - have) / rate_ * 1000.0)));
}

void TokenBucket::drain(TimeMs now) {
  refill(now);
  tokens_ = 0;
}

void TokenBucket::reconfigure(double rate_per_second, double burst, TimeMs now) {
  refill(now);
  rate_ = rate_per_second;
  burst_ = std::max(1.0, burst);
  tokens_ = std::min(tokens_, burst_);
}

bool TokenBucket::full(TimeMs now) const { return tokens(now) >= burst_; }

}  // namespace sundial
