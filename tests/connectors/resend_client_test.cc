// The Resend connector over the async HTTP client against the fake
// provider on a loopback port: headers, idempotency keys, the outcome
// classification, Retry-After (which holds the shared limiter `resend`),
// timeouts, and log mode.
#include "connectors/resend/resend_client.h"

#include <gtest/gtest.h>

#include "engine/runtime/retry_policy.h"
#include "tests/support/fake_provider.h"

namespace sundial {
namespace {

using testing::FakeAnswer;
using testing::FakeProvider;

class ResendClientTest : public ::testing::Test {
 protected:
  ResendOptions options(std::optional<std::string> key = std::string("re_test")) {
    ResendOptions o;
    o.base_url = fake.base_url();
    o.api_key = std::move(key);
    o.rate_per_second = 1000;
    o.burst = 1000;
    o.timeout = 500;
    return o;
  }

  Result<nlohmann::json> send_one(ResendClient& client, const std::string& key) {
    std::optional<Result<nlohmann::json>> out;
    client.send(Email{"Team <t@example.com>", "ada@example.com", "Hello", "<p>Hi</p>", "Hi"}, key,
                [&](Result<nlohmann::json> r) { out = std::move(r); });
    while (!out) loop.run_once();
    return *out;
  }

  FakeProvider fake;
  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  Limiters limiters{loop, clock, with_resend_limiter({}, options())};
};

TEST_F(ResendClientTest, SendsWithKeyUserAgentAndIdempotencyKey) {
  ResendClient client(http, limiters, options());
  auto r = send_one(client, "inst-1/send-1");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ((*r)["id"], "em_1");
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].authorization, "Bearer re_test");
  EXPECT_EQ(requests[0].idempotency_key, "inst-1/send-1");
  EXPECT_FALSE(requests[0].user_agent.empty());
  EXPECT_EQ(requests[0].body["to"], "ada@example.com");
  EXPECT_EQ(requests[0].body["subject"], "Hello");
}

TEST_F(ResendClientTest, ClassifiesProviderAnswers) {
  ResendClient client(http, limiters, options());
  fake.script([](const testing::FakeRequest& r) {
    if (r.idempotency_key == "429") return FakeAnswer::kTooManyRequests;
    if (r.idempotency_key == "500") return FakeAnswer::kServerError;
    if (r.idempotency_key == "422") return FakeAnswer::kUnprocessable;
    if (r.idempotency_key == "hang") return FakeAnswer::kHang;
    return FakeAnswer::kOk;
  });
  auto throttled = send_one(client, "429");
  ASSERT_FALSE(throttled);
  EXPECT_TRUE(is_retryable(throttled.error()));
  EXPECT_EQ(throttled.error().retry_after_ms, 1000);
  ASSERT_EQ(limiters.views().size(), 1u);
  EXPECT_EQ(limiters.views()[0].name, "resend");
  EXPECT_EQ(limiters.views()[0].holds, 1u);  // every later send waits out the Retry-After
  auto failed = send_one(client, "500");
  ASSERT_FALSE(failed);
  EXPECT_TRUE(is_retryable(failed.error()));
  auto invalid = send_one(client, "422");
  ASSERT_FALSE(invalid);
  EXPECT_FALSE(is_retryable(invalid.error()));
  EXPECT_NE(invalid.error().message.find("validation_error"), std::string::npos);
  auto hung = send_one(client, "hang");  // times out after 500 ms
  ASSERT_FALSE(hung);
  EXPECT_TRUE(is_retryable(hung.error()));
}

TEST_F(ResendClientTest, LogModeSendsNothing) {
  ResendClient client(http, limiters, options(std::nullopt));
  EXPECT_TRUE(client.log_mode());
  auto r = send_one(client, "k");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["log_mode"], true);
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(ResendClientTest, ManyConcurrentSendsOnOneLoop) {
  ResendClient client(http, limiters, options());
  int answered = 0;
  for (int i = 0; i < 50; ++i) {
    client.send(Email{"f", "t@example.com", "s", "h", ""}, "k" + std::to_string(i),
                [&](Result<nlohmann::json> r) { answered += r.has_value(); });
  }
  while (answered < 50) loop.run_once();
  EXPECT_EQ(fake.accepted().size(), 50u);
}

TEST(HttpCallTest, ClassifiesAndReadsRetryAfter) {
  EXPECT_EQ(classify(200, false), HttpOutcome::kOk);
  EXPECT_EQ(classify(429, false), HttpOutcome::kRetryable);
  EXPECT_EQ(classify(503, false), HttpOutcome::kRetryable);
  EXPECT_EQ(classify(404, false), HttpOutcome::kPermanent);
  EXPECT_EQ(classify(0, true), HttpOutcome::kRetryable);
  EXPECT_EQ(parse_retry_after("7", 0), 7000);
  EXPECT_EQ(parse_retry_after("soon", 0), 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000), 10000);
  // At most a day, without overflow, however large the value.
  EXPECT_EQ(parse_retry_after("999999999999999999", 0), 86'400'000);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 1445412470000), 86'400'000);
}

}  // namespace
}  // namespace sundial
