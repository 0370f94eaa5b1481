// AsyncHttpClient's error paths: a call curl refuses to start, or whose
// socket libuv cannot watch, ends with a retryable transport error instead
// of waiting forever, and the client keeps working. Against the fake
// provider on a loopback port.
#include "connectors/http/async_http_client.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/support/fake_provider.h"

namespace sundial {
namespace {

class AsyncHttpClientTest : public ::testing::Test {
 protected:
  HttpCall post() {
    HttpCall call;
    call.method = "POST";
    call.url = fake.base_url() + "/emails";
    call.headers = {"Content-Type: application/json", "Idempotency-Key: k1"};
    call.body = R"({"to":"ada@example.com"})";
    call.timeout = 2000;
    return call;
  }

  HttpCallResult send_and_wait(HttpCall call) {
    std::optional<HttpCallResult> out;
    http.send(std::move(call), [&](HttpCallResult r) noexcept { out = std::move(r); });
    EXPECT_FALSE(out.has_value()) << "answered inside send()";
    for (int turn = 0; turn < 10000 && !out; ++turn) loop.run_once();
    EXPECT_TRUE(out.has_value()) << "the call never completed";
    return out ? std::move(*out) : HttpCallResult{};
  }

  testing::FakeProvider fake;
  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
};

TEST_F(AsyncHttpClientTest, ACallCurlRefusesToStartEndsWithATransportError) {
  http.inject_fault_for_testing(AsyncHttpClient::Fault::kAddHandle);
  HttpCallResult r = send_and_wait(post());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.outcome, HttpOutcome::kRetryable);
  EXPECT_NE(r.error.find("curl_multi_add_handle"), std::string::npos) << r.error;
  EXPECT_EQ(http.in_flight(), 0u);
  EXPECT_TRUE(fake.requests().empty());
  // The client still works.
  HttpCallResult next = send_and_wait(post());
  EXPECT_EQ(next.status, 200) << next.error;
  EXPECT_EQ(next.outcome, HttpOutcome::kOk);
}

TEST_F(AsyncHttpClientTest, ACallWhoseSocketCannotBeWatchedEndsWithATransportError) {
  http.inject_fault_for_testing(AsyncHttpClient::Fault::kWatchSocket);
  HttpCallResult r = send_and_wait(post());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.outcome, HttpOutcome::kRetryable);
  EXPECT_NE(r.error.find("cannot watch"), std::string::npos) << r.error;
  EXPECT_EQ(http.in_flight(), 0u);
  HttpCallResult next = send_and_wait(post());
  EXPECT_EQ(next.status, 200) << next.error;
}

}  // namespace
}  // namespace sundial
