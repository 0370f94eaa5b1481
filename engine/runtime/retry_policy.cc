#include "engine/runtime/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace sundial {

bool is_retryable(const Error& error) { return error_info(error.code).retryable; }

DurationMs backoff_delay(const RetryPolicy& policy, uint32_t attempt, double random01) {
  double delay = static_cast<double>(policy.initial_backoff);
  for (uint32_t i = 1; i < attempt && delay < static_cast<double>(policy.max_backoff); ++i) {
    delay *= policy.multiplier;
  }
  delay = std::min(delay, static_cast<double>(policy.max_backoff));
  if (policy.jitter) delay = delay / 2 + (delay / 2) * std::clamp(random01, 0.0, 1.0);
  return std::max<DurationMs>(0, static_cast<DurationMs>(std::llround(delay)));
}

bool should_retry(const RetryPolicy& policy, uint32_t attempt, const Error& error) {
  return is_retryable(error) && attempt < policy.max_attempts;
}

}  // namespace sundial
