#include "engine/runtime/retry_policy.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(RetryPolicyTest, BackoffGrowsExponentiallyUpToTheCap) {
  RetryPolicy p{
      .max_attempts = 10, .initial_backoff = 1000, .multiplier = 2.0, .max_backoff = 5000, .jitter = false};
  EXPECT_EQ(backoff_delay(p, 1, 0.5), 1000);
  EXPECT_EQ(backoff_delay(p, 2, 0.5), 2000);
  EXPECT_EQ(backoff_delay(p, 3, 0.5), 4000);
  EXPECT_EQ(backoff_delay(p, 4, 0.5), 5000);
  EXPECT_EQ(backoff_delay(p, 40, 0.5), 5000);
}

TEST(RetryPolicyTest, JitterStaysWithinHalfToFullDelay) {
  RetryPolicy p{.initial_backoff = 1000, .jitter = true};
  EXPECT_EQ(backoff_delay(p, 1, 0.0), 500);
  EXPECT_EQ(backoff_delay(p, 1, 0.999999), 1000);
  DurationMs mid = backoff_delay(p, 2, 0.5);
  EXPECT_GE(mid, 1000);
  EXPECT_LE(mid, 2000);
}

TEST(RetryPolicyTest, RetriesOnlyRetryableErrorsWithinMaxAttempts) {
  RetryPolicy p{.max_attempts = 3};
  Error transient{ErrorCode::kUnavailable, "503"};
  Error permanent{ErrorCode::kInvalidArgument, "422"};
  EXPECT_TRUE(should_retry(p, 1, transient));
  EXPECT_TRUE(should_retry(p, 2, transient));
  EXPECT_FALSE(should_retry(p, 3, transient));
  EXPECT_FALSE(should_retry(p, 1, permanent));
  EXPECT_TRUE(is_retryable(Error{ErrorCode::kIoError, "timeout"}));
}

}  // namespace
}  // namespace sundial
