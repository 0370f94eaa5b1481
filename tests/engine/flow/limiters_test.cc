// Limiters (engine/flow/limiters.h) on a real loop with a ManualClock:
// a named limiter shared by its callers, one bucket per sub-key, holds from
// a provider's Retry-After, and a bounded number of buckets.
#include "engine/flow/limiters.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sundial {
namespace {

class LimitersTest : public ::testing::Test {
 protected:
  void make(size_t max_sub_keys = Limiters::kDefaultMaxSubKeys) {
    // A token a millisecond: the uv timer the gates arm is never long.
    limiters = std::make_unique<Limiters>(
        loop, clock, std::map<std::string, LimiterSpec>{{"notion", {1000.0, 2.0}}}, max_sub_keys);
  }
  Result<void> call(const std::string& ref) {
    return limiters->acquire(ref, [this, ref] { ran.push_back(ref); });
  }
  void pump() {
    for (int i = 0; i < 8; ++i) loop.run_once();
  }

  Loop loop;
  ManualClock clock;
  std::unique_ptr<Limiters> limiters;
  std::vector<std::string> ran;
};

TEST_F(LimitersTest, CallersShareTheBudgetOfANameAndEachSubKeyHasItsOwn) {
  make();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call("notion"));
  EXPECT_EQ(ran.size(), 2u) << "a burst of 2, shared";
  ASSERT_TRUE(call("notion:ws1"));
  ASSERT_TRUE(call("notion:ws1"));
  EXPECT_EQ(ran.size(), 4u) << "a sub-key has a bucket of its own";
  clock.advance(1);
  pump();
  EXPECT_EQ(ran.size(), 5u) << "the third 'notion' call once a token is back";
  auto views = limiters->views();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].sub_keys, 2u);
}

TEST_F(LimitersTest, AProvidersRetryAfterHoldsTheBucketForThatLong) {
  make();
  EXPECT_EQ(limiters->views()[0].tokens, 2.0) << "no bucket yet: a full burst";
  limiters->hold("notion:ws1", 20);
  ASSERT_TRUE(call("notion:ws1"));
  ASSERT_TRUE(call("notion:ws2"));
  EXPECT_EQ(ran, (std::vector<std::string>{"notion:ws2"})) << "only the held bucket waits";
  EXPECT_EQ(limiters->views()[0].tokens, 0.0) << "a held bucket has no tokens";
  EXPECT_EQ(limiters->views()[0].waiting, 1u);
  clock.advance(19);
  pump();
  EXPECT_EQ(ran.size(), 1u);
  clock.advance(1);
  pump();
  EXPECT_EQ(ran.size(), 2u);
  EXPECT_EQ(limiters->views()[0].holds, 1u);
}

TEST_F(LimitersTest, BadReferencesAreRefusedAndRunNothing) {
  make();
  auto unknown = call("github");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("declared: notion"), std::string::npos) << unknown.error().message;
  for (std::string bad :
       {std::string("notion:"), std::string("notion:a b"), "notion:" + std::string(201, 'k')}) {
    EXPECT_FALSE(limiters->validate(bad)) << bad;
    EXPECT_FALSE(call(bad)) << bad;
  }
  EXPECT_TRUE(ran.empty());
  EXPECT_TRUE(limiters->validate("notion:workspace-42"));
  EXPECT_TRUE(validate_limiter_name("notion.eu_1-a"));
  EXPECT_FALSE(validate_limiter_name("no spaces"));
  EXPECT_FALSE(validate_limiter_name(""));
}

TEST_F(LimitersTest, IdleSubKeysAreForgottenAtTheCapAndBusyOnesRefuseANewOne) {
  make(/*max_sub_keys=*/2);
  ASSERT_TRUE(call("notion:a"));
  ASSERT_TRUE(call("notion:b"));
  clock.advance(10);  // both buckets full again, nobody waiting: idle
  ASSERT_TRUE(call("notion:c")) << "idle buckets make room";
  EXPECT_EQ(limiters->views()[0].sub_keys, 1u);
  // Keep two buckets busy: empty them and queue a call behind each.
  for (const char* key : {"notion:c", "notion:d"}) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(call(key));
  }
  auto refused = call("notion:e");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace sundial
