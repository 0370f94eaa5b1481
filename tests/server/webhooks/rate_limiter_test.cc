// webhooks::RateLimiter at sundiald's defaults ([server]
// webhook_rate_per_second, webhook_burst): the product's stated rate, 10
// requests a second from one client, sustained, is accepted — evenly
// spaced or in clumps — and a client well above it is held back. Pure:
// a ManualClock, no loop.
#include "server/webhooks/rate_limiter.h"

#include <gtest/gtest.h>

#include "server/config/daemon_config.h"

namespace sundial::webhooks {
namespace {

TEST(WebhookRateDefaultsTest, AreTenASecondWithABurstOfAtLeastTen) {
  ServerSettings defaults;
  EXPECT_EQ(defaults.webhook_rate_per_second, 10.0);
  EXPECT_GE(defaults.webhook_burst, 10.0);
}

TEST(WebhookRateDefaultsTest, TenRequestsASecondSustainedFromOneClientAreAccepted) {
  ServerSettings defaults;
  ManualClock clock;
  RateLimiter limiter(clock, defaults.webhook_rate_per_second, defaults.webhook_burst);
  // Evenly spaced, for ten minutes: one every 100 ms.
  for (int i = 0; i < 6000; ++i) {
    ASSERT_EQ(limiter.acquire("203.0.113.7"), 0) << "request " << i;
    clock.advance(100);
  }
  // In clumps: ten at once, then a quiet second, for a minute.
  for (int second = 0; second < 60; ++second) {
    for (int i = 0; i < 10; ++i) ASSERT_EQ(limiter.acquire("203.0.113.8"), 0) << second << "/" << i;
    clock.advance(1000);
  }
}

TEST(WebhookRateDefaultsTest, TwiceTheRateIsHeldBackPastTheBurst) {
  ServerSettings defaults;
  ManualClock clock;
  RateLimiter limiter(clock, defaults.webhook_rate_per_second, defaults.webhook_burst);
  int accepted = 0;
  for (int i = 0; i < 600; ++i) {  // 20 a second for 30 s
    accepted += limiter.acquire("198.51.100.1") == 0;
    clock.advance(50);
  }
  // At most burst + rate × 30 s.
  EXPECT_LE(accepted, static_cast<int>(defaults.webhook_burst + defaults.webhook_rate_per_second * 30));
  EXPECT_GE(accepted, static_cast<int>(defaults.webhook_rate_per_second * 30));
  // Another client is not held back by this one.
  EXPECT_EQ(limiter.acquire("198.51.100.2"), 0);
}

}  // namespace
}  // namespace sundial::webhooks
