// RetryPolicy: how a failed step is retried. Exponential backoff with full
// jitter in [delay/2, delay], capped; errors that are not retryable fail the
// step at once.
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

struct RetryPolicy {
  // Default: 3. Attempts in all, the first included; 1 means no retry.
  uint32_t max_attempts = 3;
  // Default: 1s. Delay before the second attempt.
  DurationMs initial_backoff = kSecondMs;
  // Default: 2. Each further delay is multiplied by this.
  double multiplier = 2.0;
  // Default: 5m. No delay exceeds this.
  DurationMs max_backoff = 5 * kMinuteMs;
  // Default: true. Randomize each delay within [delay/2, delay] so retries of
  // many instances do not arrive at a provider together.
  bool jitter = true;
};

// Whether the error's code is retryable in the error table
// (engine/base/error.h): unavailable (timeouts, 429, 5xx, connection
// errors), io_error, internal, storage_unavailable, ... Everything else
// (invalid_argument for a 4xx, ...) is permanent: the step fails without
// another attempt.
bool is_retryable(const Error& error);

// The delay after failed attempt `attempt` (1-based). `random01` is a number
// in [0, 1) used for jitter.
DurationMs backoff_delay(const RetryPolicy& policy, uint32_t attempt, double random01);

// Whether another attempt follows failed attempt `attempt` with `error`.
bool should_retry(const RetryPolicy& policy, uint32_t attempt, const Error& error);

}  // namespace sundial
