// Limiters (engine/flow/limiters.h) on a real loop with a ManualClock:
// a named limiter shared by its callers, one bucket per sub-key, holds from
// a provider's Retry-After, a bounded number of buckets, and limiters made,
// changed and deleted at run time (the API's).
#include "engine/flow/limiters.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

TEST_F(LimitersTest, ALimiterMadeAtRunTimeIsSharedAndShownAsTheApis) {
  make();
  EXPECT_TRUE(limiters->set("github", {1000.0, 1.0}, LimiterSource::kApi)) << "new";
  EXPECT_EQ(limiters->count(LimiterSource::kApi), 1u);
  EXPECT_EQ(limiters->count(LimiterSource::kConfig), 1u);
  ASSERT_TRUE(limiters->validate("github:org-1"));
  ASSERT_TRUE(call("github:org-1"));
  ASSERT_TRUE(call("github:org-1"));
  EXPECT_EQ(ran.size(), 1u) << "a burst of 1";
  auto view = limiters->view("github");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->source, LimiterSource::kApi);
  EXPECT_EQ(limiter_source_name(view->source), "api");
  EXPECT_EQ(view->sub_keys, 1u);
  EXPECT_EQ(view->waiting, 1u);
  EXPECT_EQ(limiters->view("notion")->source, LimiterSource::kConfig);
  EXPECT_FALSE(limiters->view("gitlab"));
  EXPECT_EQ(limiters->views().size(), 2u);
}

TEST_F(LimitersTest, ANewRateAppliesFromNowAndTheWaitersKeepTheirOrder) {
  make();
  limiters->set("slow", {1.0, 1.0}, LimiterSource::kApi);  // a token a second
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(limiters->acquire("slow", [this, i] { ran.push_back("slow" + std::to_string(i)); }));
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"slow0"}));
  // A token a millisecond from now on: at the old rate nothing would pass
  // for a second.
  EXPECT_FALSE(limiters->set("slow", {1000.0, 3.0}, LimiterSource::kApi)) << "changed, not new";
  EXPECT_EQ(limiters->view("slow")->spec.burst, 3.0);
  EXPECT_EQ(limiters->view("slow")->waiting, 3u) << "the waiters stay";
  pump();
  EXPECT_EQ(ran.size(), 1u) << "no token earned yet";
  clock.advance(1);
  pump();
  EXPECT_EQ(ran, (std::vector<std::string>{"slow0", "slow1"}));
  clock.advance(2);
  pump();
  EXPECT_EQ(ran, (std::vector<std::string>{"slow0", "slow1", "slow2", "slow3"})) << "in their order";
}

TEST_F(LimitersTest, ALowerBurstCapsTheTokensABucketHolds) {
  make();
  limiters->set("api", {1000.0, 5.0}, LimiterSource::kApi);
  ASSERT_TRUE(call("api"));
  clock.advance(100);  // full again: 5 tokens
  limiters->set("api", {1.0, 2.0}, LimiterSource::kApi);
  EXPECT_EQ(limiters->view("api")->tokens, 2.0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call("api"));
  EXPECT_EQ(ran.size(), 3u) << "1 before the change, then a burst of 2";
}

TEST_F(LimitersTest, DeletingALimiterLetsItsWaitersThroughAndForgetsIt) {
  make();
  limiters->set("slow", {1.0, 1.0}, LimiterSource::kApi);
  for (const char* ref : {"slow:a", "slow:a", "slow:a", "slow:b", "slow:b"}) ASSERT_TRUE(call(ref));
  EXPECT_EQ(ran, (std::vector<std::string>{"slow:a", "slow:b"}));
  EXPECT_TRUE(limiters->remove("slow"));
  EXPECT_EQ(ran, (std::vector<std::string>{"slow:a", "slow:b", "slow:a", "slow:a", "slow:b"}))
      << "every waiter ran, each bucket's in order";
  EXPECT_FALSE(limiters->view("slow"));
  auto unknown = call("slow");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("no limiter 'slow'"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(limiters->remove("slow"));
  pump();
  EXPECT_EQ(ran.size(), 5u);
  EXPECT_EQ(limiters->count(LimiterSource::kApi), 0u);
}

TEST_F(LimitersTest, AWaiterThatNamesTheDeletedLimiterAgainFindsItUnknown) {
  make();
  limiters->set("slow", {1.0, 1.0}, LimiterSource::kApi);
  ASSERT_TRUE(call("slow"));
  Result<void> again;
  ASSERT_TRUE(limiters->acquire("slow", [&] { again = call("slow"); }));
  EXPECT_TRUE(limiters->remove("slow"));
  EXPECT_FALSE(again);
}

TEST(LimiterReferenceTest, TheFormIsCheckedWhetherOrNotTheLimiterExists) {
  for (const char* good : {"notion", "ghost", "notion:ws-1", "a.b_c-d:x/y"}) {
    EXPECT_TRUE(validate_limiter_reference(good)) << good;
  }
  for (std::string bad :
       {std::string(""), std::string(":x"), std::string("no spaces"), std::string("notion:"),
        std::string("notion:a b"), "notion:" + std::string(201, 'k'), std::string(65, 'n')}) {
    EXPECT_FALSE(validate_limiter_reference(bad)) << bad;
  }
}

TEST(LimiterSpecTest, RatesAndBurstsOutOfBoundsAreRefused) {
  EXPECT_TRUE(validate_limiter_spec({3, 3}));
  EXPECT_TRUE(validate_limiter_spec({0.01, 1}));
  EXPECT_TRUE(validate_limiter_spec({1e6, 1e6}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (LimiterSpec bad : std::vector<LimiterSpec>{
           {0, 1}, {-1, 1}, {nan, 1}, {inf, 1}, {1e6 + 1, 1}, {1, 0.5}, {1, nan}, {1, 1e6 + 1}, {1, -inf}}) {
    EXPECT_FALSE(validate_limiter_spec(bad)) << bad.rate_per_second << " " << bad.burst;
  }
}

}  // namespace
}  // namespace sundial
