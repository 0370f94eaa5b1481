// engine/base/token_bucket.h: the bound every rate limit promises, checked
// over random schedules, and the wait it announces.
#include "engine/base/token_bucket.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace sundial {
namespace {

// Whatever the timing, at most burst + rate × W requests pass in any
// window of W: checked for every pair of passes of 300 random schedules.
TEST(TokenBucketTest, NoWindowLetsThroughMoreThanBurstPlusRateTimesItsLength) {
  std::mt19937_64 rng(20261130);
  for (int schedule = 0; schedule < 300; ++schedule) {
    double rate = std::uniform_real_distribution<double>(0.2, 50.0)(rng);
    double burst = static_cast<double>(std::uniform_int_distribution<int>(1, 20)(rng));
    TimeMs now = 1'000'000;
    TokenBucket bucket(rate, burst, now);
    std::vector<TimeMs> passed;
    std::uniform_int_distribution<int> gap(0, 3 * static_cast<int>(1000.0 / rate));
    for (int request = 0; request < 1500; ++request) {
      now += std::bernoulli_distribution(0.3)(rng) ? 0 : gap(rng);
      if (bucket.try_take(now)) passed.push_back(now);
    }
    ASSERT_GT(passed.size(), burst) << "the schedule never emptied the bucket";
    for (size_t i = 0; i < passed.size(); ++i) {
      for (size_t j = i; j < passed.size(); ++j) {
        double window_s = static_cast<double>(passed[j] - passed[i]) / 1000.0;
        double allowed = burst + rate * window_s + 1e-9;
        ASSERT_LE(static_cast<double>(j - i + 1), allowed)
            << "schedule " << schedule << ": rate " << rate << ", burst " << burst << ", window " << window_s
            << " s";
      }
    }
  }
}

TEST(TokenBucketTest, TheAnnouncedWaitIsWhenTheNextTokenIsThere) {
  TimeMs now = 0;
  TokenBucket bucket(4.0, 2.0, now);  // a token every 250 ms
  EXPECT_TRUE(bucket.full(now));
  EXPECT_TRUE(bucket.try_take(now));
  EXPECT_TRUE(bucket.try_take(now));
  EXPECT_FALSE(bucket.try_take(now));
  EXPECT_EQ(bucket.wait(now), 250);
  EXPECT_FALSE(bucket.try_take(now + 249));
  EXPECT_TRUE(bucket.try_take(now + 250));
  bucket.drain(1000);  // a provider asked to wait: nothing left
  EXPECT_EQ(bucket.wait(1000), 250);
  EXPECT_TRUE(bucket.full(1500));
  EXPECT_EQ(TokenBucket(1.0, 0.2, 0).burst(), 1.0) << "a burst below one still lets one through";
}

}  // namespace
TEST(TokenBucketTest, AReconfiguredBucketKeepsItsTokensUpToTheNewBurst) {
  TokenBucket b(1.0, 4.0, 0);
  ASSERT_TRUE(b.try_take(0));
  b.reconfigure(1000.0, 2.0, 0);
  EXPECT_EQ(b.tokens(0), 2.0) << "3 tokens, capped at the new burst";
  EXPECT_EQ(b.rate(), 1000.0);
  ASSERT_TRUE(b.try_take(0));
  ASSERT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(0));
  EXPECT_EQ(b.wait(0), 1) << "the new rate: a token a millisecond";
  b.reconfigure(1.0, 0.5, 1);
  EXPECT_EQ(b.burst(), 1.0) << "below 1 counts as 1";
  EXPECT_EQ(b.tokens(1), 1.0) << "the token earned at the old rate stays";
}

}  // namespace sundial
