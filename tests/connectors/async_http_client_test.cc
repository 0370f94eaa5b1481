// AsyncHttpClient's error paths: a call curl refuses to start, or whose
// socket libuv cannot watch, ends with a retryable transport error instead
// of waiting forever, and the client keeps working. Against the fake
// provider on a loopback port.
#include "connectors/http/async_http_client.h"

#include <gtest/gtest.h>

#include <optional>

#include "connectors/http/outbound_policy.h"

#include "tests/support/fake_provider.h"
#include "tests/support/loopback_server.h"

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

namespace sundial {
namespace {

// Calls with an OutboundPolicy (Lua's ctx:http): the loopback fake is
// refused by default, at connect time, as a permanent failure; allowed
// when the policy lists 127.0.0.1; and an answer over the cap is refused.
class PolicedHttpClientTest : public AsyncHttpClientTest {
 protected:
  HttpCall policed(std::vector<std::string> allow) {
    HttpCall call = post();
    if (allow.empty()) {
      call.policy = std::make_shared<OutboundPolicy>();
    } else {
      auto parsed = OutboundPolicy::parse(allow);
      EXPECT_TRUE(parsed) << parsed.error().message;
      call.policy = std::make_shared<OutboundPolicy>(parsed.value_or(OutboundPolicy()));
    }
    return call;
  }
};

TEST_F(PolicedHttpClientTest, LoopbackIsRefusedByDefault) {
  HttpCallResult r = send_and_wait(policed({}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.outcome, HttpOutcome::kPermanent);
  EXPECT_NE(r.error.find("127.0.0.1"), std::string::npos) << r.error;
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(PolicedHttpClientTest, ANameResolvingToLoopbackIsRefusedAtConnectTime) {
  // "localhost" passes the check before resolving (a name, with "*"); the
  // address it resolves to is refused when the socket would open.
  HttpCall call = policed({});
  call.url = "http://localhost:" + std::to_string(fake.port()) + "/emails";
  HttpCallResult r = send_and_wait(std::move(call));
  EXPECT_EQ(r.outcome, HttpOutcome::kPermanent);
  EXPECT_NE(r.error.find("loopback"), std::string::npos) << r.error;
  EXPECT_TRUE(fake.requests().empty());
  // Listing the name does not open a loopback address either.
  HttpCall named = policed({"localhost"});
  named.url = "http://localhost:" + std::to_string(fake.port()) + "/emails";
  EXPECT_EQ(send_and_wait(std::move(named)).outcome, HttpOutcome::kPermanent);
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(PolicedHttpClientTest, AnAllowedAddressIsCalled) {
  HttpCallResult r = send_and_wait(policed({"127.0.0.1"}));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.outcome, HttpOutcome::kOk);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(PolicedHttpClientTest, OnlyHttpAndHttpsUrlsAreCalled) {
  HttpCall call = policed({"127.0.0.1"});
  call.url = "file:///etc/passwd";
  HttpCallResult r = send_and_wait(std::move(call));
  EXPECT_EQ(r.outcome, HttpOutcome::kPermanent);
  EXPECT_NE(r.error.find("http and https"), std::string::npos) << r.error;
}

TEST_F(PolicedHttpClientTest, AnAnswerOverTheCapIsAPermanentFailure) {
  HttpCall call = policed({"127.0.0.1"});
  call.max_response_bytes = 20;
  HttpCallResult r = send_and_wait(std::move(call));
  EXPECT_EQ(r.outcome, HttpOutcome::kPermanent);
  EXPECT_NE(r.error.find("larger than 20 bytes"), std::string::npos) << r.error;
  HttpCall roomy = policed({"127.0.0.1"});
  roomy.max_response_bytes = 4096;
  EXPECT_EQ(send_and_wait(std::move(roomy)).status, 200);
}

// Two servers on two threads in one process (as the tests' fakes run)
// under 50 concurrent calls: every request arrives whole at the server it
// was sent to. With one read buffer for the whole process, the servers'
// reads overwrote each other's bytes (headers lost, bodies mixed).
TEST_F(AsyncHttpClientTest, TwoServersOnTwoThreadsEachGetTheirRequestsWhole) {
  auto echo_checked = [](std::string name) {
    return [name](Loop&) -> http::HttpHandler {
      return [name](http::HttpRequest request, http::Responder responder) {
        const std::string* tag = request.header("x-tag");
        bool whole = tag != nullptr && tag->rfind(name + "-", 0) == 0 && request.body == "body of " + *tag;
        responder.send(http::HttpResponse::json(whole ? 200 : 422, {{"tag", tag ? *tag : ""}}));
      };
    };
  };
  testing::LoopbackServer a(echo_checked("a"));
  testing::LoopbackServer b(echo_checked("b"));
  constexpr int kCalls = 1000;
  constexpr int kInFlight = 50;
  int sent = 0;
  int answered = 0;
  std::vector<std::string> bad;
  std::function<void()> send_next = [&] {
    int n = sent++;
    bool to_a = n % 2 == 0;
    std::string tag = std::string(to_a ? "a-" : "b-") + std::to_string(n) + std::string(n % 7 * 100, 'x');
    HttpCall call;
    call.method = "POST";
    call.url = "http://127.0.0.1:" + std::to_string(to_a ? a.port() : b.port()) + "/check";
    call.headers = {"Content-Type: text/plain", "X-Tag: " + tag};
    call.body = "body of " + tag;
    call.timeout = 10'000;
    http.send(std::move(call), [&, tag](HttpCallResult r) noexcept {
      ++answered;
      if (r.status != 200) bad.push_back(tag.substr(0, 12) + ": " + std::to_string(r.status) + " " + r.body);
      if (sent < kCalls) send_next();
    });
  };
  for (int i = 0; i < kInFlight; ++i) send_next();
  for (int turn = 0; turn < 1'000'000 && answered < kCalls; ++turn) loop.run_once();
  EXPECT_EQ(answered, kCalls);
  EXPECT_TRUE(bad.empty()) << bad.size() << " mangled, first: " << bad.front();
}

}  // namespace
}  // namespace sundial
