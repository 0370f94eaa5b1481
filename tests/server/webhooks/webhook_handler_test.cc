#include "server/webhooks/webhook_handler.h"

#include <gtest/gtest.h>

#include "connectors/signing/hmac.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/fake_response_sink.h"

namespace sundial::testing {
namespace {

using webhooks::SignatureScheme;
using webhooks::WebhookRoute;

// A route that starts "test.wait" with the body as input, or signals "go"
// when the body names an instance to signal, or ignores "ping" events.
struct Signing {
  Signing(SignatureScheme s, std::string p = "") : scheme(s), prefix(std::move(p)) {}  // NOLINT: implicit
  SignatureScheme scheme;
  std::string prefix;
};
Signing hex_hmac() { return {SignatureScheme::kHmac}; }
Signing prefixed_hmac() { return {SignatureScheme::kHmac, "sha256="}; }

WebhookRoute test_route(Signing signing, std::optional<std::string> secret) {
  WebhookRoute r;
  r.name = "test";
  r.path = "/webhooks/test";
  if (signing.scheme == SignatureScheme::kHmac) {
    r.verification = hmac_verification("x-signature", std::move(secret), signing.prefix);
  }
  r.delivery_id = webhooks::delivery_id_from_header("x-delivery");
  r.map = [](const nlohmann::json& body, const http::HttpRequest&) -> Result<webhooks::WebhookActions> {
    if (body.value("event", "") == "ping") return webhooks::WebhookActions{webhooks::IgnoreAction{"ping"}};
    if (body.contains("signal")) {
      return webhooks::WebhookActions{webhooks::SignalAction{body["signal"].get<std::string>(), "go", body}};
    }
    if (body.contains("cancel")) {
      // Cancel one, then an optional signal to another that may not exist.
      return webhooks::WebhookActions{webhooks::CancelAction{body["cancel"].get<std::string>(), "by webhook"},
                                      webhooks::SignalAction{"maybe-missing", "go", nullptr, true}};
    }
    if (!body.contains("email")) return make_error(ErrorCode::kInvalidArgument, "'email' is required");
    return webhooks::WebhookActions{webhooks::StartAction{"test.wait", std::nullopt, body}};
  };
  return r;
}

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
  }

  void use(WebhookRoute route, bool with_limiter = false, JsonLimits json_limits = {}) {
    route.public_route = with_limiter;
    handler = webhooks::make_webhook_handler(*h.engine, h.clock,
                                             std::make_shared<const WebhookRoute>(std::move(route)),
                                             with_limiter ? &limiter : nullptr, json_limits);
  }

  http::HttpResponse deliver(const std::string& body, std::map<std::string, std::string> headers = {},
                             const std::string& method = "POST") {
    http::HttpRequest r;
    r.method = method;
    r.path = "/webhooks/test";
    r.body = body;
    r.peer_ip = "203.0.113.7";
    if (!headers.count("content-type")) headers["content-type"] = "application/json";
    for (auto& [k, v] : headers) r.headers.emplace_back(k, v);
    handler(std::move(r), sink->make_responder());
    uint64_t slot = sink->last_slot();
    h.drain();
    EXPECT_NE(sink->answer(slot), nullptr);
    return sink->answer(slot) ? *sink->answer(slot) : http::HttpResponse{};
  }

  size_t instances() {
    auto page = h.list(ListQuery{});
    return page ? page->instances.size() : 0;
  }

  EngineHarness h;
  StepLog log{h.clock};
  webhooks::RateLimiter limiter{h.clock, 1.0, 2.0};
  http::HttpHandler handler;
  std::shared_ptr<FakeResponseSink> sink = std::make_shared<FakeResponseSink>();
};

const std::string kBody = R"({"email":"a@example.com"})";

TEST_F(WebhookTest, HexHmacSignatureIsAcceptedAndAnsweredAfterTheCommit) {
  use(test_route(hex_hmac(), "whsec"));
  http::HttpRequest r;
  r.method = "POST";
  r.body = kBody;
  r.headers = {{"content-type", "application/json"}, {"x-signature", hmac_sha256_hex("whsec", kBody)}};
  handler(std::move(r), sink->make_responder());
  EXPECT_EQ(sink->answer(sink->last_slot()), nullptr);  // not before the commit
  h.drain();
  ASSERT_NE(sink->answer(sink->last_slot()), nullptr);
  EXPECT_EQ(sink->answer(sink->last_slot())->status, 202);
  EXPECT_EQ(instances(), 1u);
}

TEST_F(WebhookTest, PrefixedHmacSignature) {
  use(test_route(prefixed_hmac(), "whsec"));
  EXPECT_EQ(deliver(kBody, {{"x-signature", "sha256=" + hmac_sha256_hex("whsec", kBody)}}).status, 202);
  EXPECT_EQ(deliver(kBody, {{"x-signature", hmac_sha256_hex("whsec", kBody)}}).status,
            401);  // prefix missing
}

TEST_F(WebhookTest, MissingOrWrongSignatureIs401AndStoresNothing) {
  use(test_route(hex_hmac(), "whsec"));
  auto missing = deliver(kBody);
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.body.find("invalid_signature"), std::string::npos);
  EXPECT_EQ(deliver(kBody, {{"x-signature", hmac_sha256_hex("other", kBody)}}).status, 401);
  EXPECT_EQ(deliver(kBody, {{"x-signature", hmac_sha256_hex("whsec", kBody + " ")}}).status, 401);
  EXPECT_EQ(instances(), 0u);
}

TEST_F(WebhookTest, ASigningRouteWithoutASecretRefusesEverything) {
  use(test_route(hex_hmac(), std::nullopt));
  EXPECT_EQ(deliver(kBody, {{"x-signature", "anything"}}).status, 503);
  EXPECT_EQ(instances(), 0u);
}

// Once a form field decoding to bytes that are not UTF-8 (first_name=%FF)
// made the start throw at the storage seam: 500. Now 400 at the door.
TEST_F(WebhookTest, BodiesThatAreNotUtf8OrTooDeepAre400AndStoreNothing) {
  use(test_route(SignatureScheme::kNone, std::nullopt), false, JsonLimits{3});
  const std::map<std::string, std::string> form = {{"content-type", "application/x-www-form-urlencoded"}};
  auto bad_value = deliver("email=a%40example.com&first_name=%FF", form);
  EXPECT_EQ(bad_value.status, 400);
  EXPECT_NE(bad_value.body.find("invalid_argument"), std::string::npos);
  EXPECT_NE(bad_value.body.find("form field 'first_name' is not valid UTF-8"), std::string::npos)
      << bad_value.body;
  EXPECT_EQ(deliver("email=a%40example.com&%FE%FF=1", form).status, 400);
  auto deep = deliver(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body.find("limit of 3 levels"), std::string::npos) << deep.body;
  EXPECT_EQ(deliver(R"({"email":"a@example.com","x":[[[1]]]})").status, 400);  // 4 deep with the object
  auto huge_number = deliver(R"({"email":"a@example.com","n":1e400})");
  EXPECT_EQ(huge_number.status, 400);
  EXPECT_NE(huge_number.body.find("invalid_argument"), std::string::npos) << huge_number.body;
  EXPECT_EQ(instances(), 0u);
  EXPECT_EQ(deliver(R"({"email":"a@example.com","x":[[1]]})").status, 202);  // 3 deep: at the limit
  EXPECT_EQ(deliver("email=b%40example.com&first_name=Z%C3%A9", form).status, 202);
  EXPECT_EQ(instances(), 2u);
}

TEST_F(WebhookTest, FormBodiesAndBadBodies) {
  use(test_route(SignatureScheme::kNone, std::nullopt));
  auto form =
      deliver("email=b%40example.com&tag=x&tag=y", {{"content-type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(form.status, 202);
  auto id = nlohmann::json::parse(form.body)["instance_id"].get<std::string>();
  auto record = h.describe(id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->input["email"], "b@example.com");
  EXPECT_EQ(record->input["tag"], nlohmann::json::array({"x", "y"}));
  EXPECT_EQ(deliver("{not json").status, 400);
  EXPECT_EQ(deliver("email=x", {{"content-type", "text/plain"}}).status, 415);
  EXPECT_EQ(deliver(R"({"name":"no email"})").status, 400);
  EXPECT_EQ(deliver(kBody, {}, "GET").status, 405);
  EXPECT_EQ(instances(), 1u);
}

TEST_F(WebhookTest, RedeliveriesAreDedupedByDeliveryIdOrBodyHash) {
  use(test_route(SignatureScheme::kNone, std::nullopt));
  auto first = deliver(kBody, {{"x-delivery", "d-1"}});
  auto again = deliver(R"({"email":"changed@example.com"})", {{"x-delivery", "d-1"}});
  ASSERT_EQ(first.status, 202);
  EXPECT_EQ(again.status, 200);  // the existing instance
  EXPECT_EQ(nlohmann::json::parse(first.body)["instance_id"],
            nlohmann::json::parse(again.body)["instance_id"]);
  EXPECT_EQ(instances(), 1u);
  h.reopen();  // the dedupe key is durable
  use(test_route(SignatureScheme::kNone, std::nullopt));
  deliver(R"({"email":"c@example.com"})");
  deliver(R"({"email":"c@example.com"})");  // no delivery id: same body, same delivery
  EXPECT_EQ(instances(), 2u);
}

TEST_F(WebhookTest, SignalActionsAreDeduped) {
  use(test_route(SignatureScheme::kNone, std::nullopt));
  ASSERT_TRUE(h.start("test.wait", "sig", {{"sleep_ms", kHourMs}}));
  auto first = deliver(R"({"signal":"sig"})", {{"x-delivery", "s-1"}});
  EXPECT_EQ(first.status, 202);
  // A signal creates nothing: the answer says what was done instead.
  EXPECT_EQ(nlohmann::json::parse(first.body),
            nlohmann::json({{"instance_id", "sig"}, {"status", "waiting"}, {"action", "signal"}}));
  EXPECT_EQ(deliver(R"({"signal":"sig"})", {{"x-delivery", "s-1"}}).status, 202);
  size_t received = 0;
  for (const auto& e : h.history("sig")) received += e.kind == EntryKind::kSignalReceived;
  EXPECT_EQ(received, 1u);
  EXPECT_EQ(deliver(R"({"signal":"nobody"})").status, 404);
}

TEST_F(WebhookTest, SeveralActionsRunInOrderAndToleratedOnesAreSkipped) {
  use(test_route(SignatureScheme::kNone, std::nullopt));
  ASSERT_TRUE(h.start("test.wait", "victim", {{"sleep_ms", kHourMs}}));
  auto r = deliver(R"({"cancel":"victim"})");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["action"], "cancel");
  EXPECT_FALSE(nlohmann::json::parse(r.body).contains("created"));
  EXPECT_EQ(h.status("victim"), InstanceStatus::kCancelled);
  EXPECT_EQ(deliver(R"({"cancel":"victim","again":1})").status, 202);  // already cancelled: tolerated
}

TEST_F(WebhookTest, IgnoredEventsAreAcknowledged) {
  use(test_route(SignatureScheme::kNone, std::nullopt));
  auto r = deliver(R"({"event":"ping"})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body)["ignored"], "ping");
  EXPECT_EQ(instances(), 0u);
}

TEST_F(WebhookTest, PublicRoutesAreRateLimitedPerClient) {
  use(test_route(SignatureScheme::kNone, std::nullopt), /*with_limiter=*/true);
  EXPECT_EQ(deliver(R"({"email":"1@x"})").status, 202);
  EXPECT_EQ(deliver(R"({"email":"2@x"})").status, 202);
  auto limited = deliver(R"({"email":"3@x"})");
  EXPECT_EQ(limited.status, 429);
  bool retry_after = false;
  for (auto& [k, v] : limited.headers) retry_after |= k == "Retry-After" && v == "1";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(instances(), 2u);
  h.clock.advance(1000);  // one token back
  EXPECT_EQ(deliver(R"({"email":"4@x"})").status, 202);
}

// A route's pre-verification hook (a provider's handshake) answers with
// its WebhookReply as JSON before the signature is checked; when it lets
// the request go on, the signature is checked as usual.
TEST_F(WebhookTest, APreVerifyReplyIsSentAsJsonBeforeTheSignatureCheck) {
  WebhookRoute route = test_route(prefixed_hmac(), "whsec");
  route.pre_verify = [](const http::HttpRequest& r) -> std::optional<webhooks::WebhookReply> {
    if (r.header("x-handshake") == nullptr) return std::nullopt;
    return webhooks::WebhookReply{200, {{"challenge", *r.header("x-handshake")}}};
  };
  use(std::move(route));
  auto handshake = deliver(kBody, {{"x-handshake", "abc"}});
  EXPECT_EQ(handshake.status, 200);
  EXPECT_EQ(nlohmann::json::parse(handshake.body), (nlohmann::json{{"challenge", "abc"}}));
  EXPECT_EQ(deliver(kBody).status, 401);
  EXPECT_EQ(deliver(kBody, {{"x-signature", "sha256=" + hmac_sha256_hex("whsec", kBody)}}).status, 202);
  EXPECT_EQ(instances(), 1u);
}

// A route with a browser redirect (the signup's [nurture] thank_you_url):
// a browser's form post that succeeds gets 303 to it, a repeat too; JSON
// clients keep JSON; a refused delivery keeps its 4xx and stores nothing.
TEST_F(WebhookTest, BrowserFormPostsAreRedirectedJsonClientsKeepJson) {
  WebhookRoute route = test_route(SignatureScheme::kNone, std::nullopt);
  route.browser_redirect = "https://example.com/thanks";
  use(std::move(route));
  const std::map<std::string, std::string> form = {{"content-type", "application/x-www-form-urlencoded"}};
  auto location = [](const http::HttpResponse& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") return v;
    }
    return std::string();
  };
  auto redirected = deliver("email=a%40example.com", form);
  EXPECT_EQ(redirected.status, 303) << redirected.body;
  EXPECT_EQ(location(redirected), "https://example.com/thanks");
  EXPECT_EQ(instances(), 1u);
  EXPECT_EQ(deliver("email=a%40example.com", form).status, 303);  // the same signup again
  EXPECT_EQ(instances(), 1u);

  auto json = deliver(R"({"email":"b@example.com"})", {{"accept", "application/json"}});
  EXPECT_EQ(json.status, 202);
  EXPECT_EQ(location(json), "");
  EXPECT_TRUE(nlohmann::json::parse(json.body).contains("instance_id"));
  auto asked_json = deliver("email=c%40example.com", {{"content-type", "application/x-www-form-urlencoded"},
                                                      {"accept", "application/json"}});
  EXPECT_EQ(asked_json.status, 202);
  auto html = deliver(R"({"email":"d@example.com"})", {{"accept", "text/html"}});
  EXPECT_EQ(html.status, 303);

  auto refused = deliver("first_name=no+email", form);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(location(refused), "");
  EXPECT_EQ(deliver("email=%ff", form).status, 400);  // not UTF-8
  EXPECT_EQ(instances(), 4u);
}

TEST(RateLimitTest, BucketsRefillAndMemoryIsBounded) {
  ManualClock clock;
  webhooks::RateLimiter limiter(clock, 2.0, 1.0, /*max_clients=*/3);
  EXPECT_EQ(limiter.acquire("a"), 0);
  EXPECT_EQ(limiter.acquire("a"), 1);
  clock.advance(500);
  EXPECT_EQ(limiter.acquire("a"), 0);
  for (int i = 0; i < 10; ++i) limiter.acquire("client-" + std::to_string(i));
  EXPECT_LE(limiter.tracked_clients(), 3u);
}

}  // namespace
}  // namespace sundial::testing
