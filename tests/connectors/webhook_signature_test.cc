// The providers' webhook signature schemes (connectors/signing/
// webhook_signature.h and connectors/<provider>/<provider>_signature.h):
// each provider's header and scheme, checked against a request as the
// webhook handler checks it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "connectors/calcom/calcom_signature.h"
#include "connectors/github/github_signature.h"
#include "connectors/notion/notion_signature.h"
#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "connectors/signing/webhook_signature.h"

namespace sundial {
namespace {

http::HttpRequest signed_request(const std::string& header, const std::string& value,
                                 const std::string& body) {
  http::HttpRequest r;
  r.method = "POST";
  r.body = body;
  r.headers.emplace_back(header, value);
  return r;
}

const std::string kBody = R"({"triggerEvent":"BOOKING_CREATED"})";
constexpr TimeMs kNow = 1767225600000;  // 2026-01-01

bool valid(const WebhookVerification& v, const http::HttpRequest& r) {
  return signature_is_valid(v, r, kNow);
}

TEST(WebhookSignatureTest, CalcomIsTheHexHmacInXCalSignature256) {
  WebhookVerification v = calcom_verification("whsec");
  EXPECT_EQ(v.scheme, SignatureScheme::kHmac);
  EXPECT_EQ(v.prefix, "");
  EXPECT_EQ(v.header, "x-cal-signature-256");
  std::string good = hmac_sha256_hex("whsec", kBody);
  EXPECT_TRUE(valid(v, signed_request("x-cal-signature-256", good, kBody)));
  std::string upper = good;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_TRUE(valid(v, signed_request("x-cal-signature-256", upper, kBody)));
  EXPECT_FALSE(valid(v, signed_request("x-cal-signature-256", "sha256=" + good, kBody)));
  EXPECT_FALSE(valid(v, signed_request("x-cal-signature-256", good, kBody + " ")));
  EXPECT_FALSE(valid(v, signed_request("x-hub-signature-256", good, kBody)));  // wrong header
  EXPECT_FALSE(valid(calcom_verification("other"), signed_request("x-cal-signature-256", good, kBody)));
}

TEST(WebhookSignatureTest, GithubAndNotionArePrefixedWithSha256) {
  std::string good = "sha256=" + hmac_sha256_hex("whsec", kBody);
  WebhookVerification github = github_verification("whsec");
  EXPECT_EQ(github.scheme, SignatureScheme::kHmac);
  EXPECT_EQ(github.prefix, "sha256=");
  EXPECT_EQ(github.header, "x-hub-signature-256");
  EXPECT_TRUE(valid(github, signed_request("x-hub-signature-256", good, kBody)));
  EXPECT_FALSE(valid(github, signed_request("x-hub-signature-256", good.substr(7), kBody)));
  WebhookVerification notion = notion_verification("whsec");
  EXPECT_EQ(notion.scheme, SignatureScheme::kHmac);
  EXPECT_EQ(notion.header, "x-notion-signature");
  EXPECT_TRUE(valid(notion, signed_request("x-notion-signature", good, kBody)));
  EXPECT_FALSE(valid(notion, signed_request("x-hub-signature-256", good, kBody)));
}

TEST(WebhookSignatureTest, NoSecretOrNoHeaderRefusesEverything) {
  std::string good = hmac_sha256_hex("whsec", kBody);
  EXPECT_FALSE(valid(calcom_verification(std::nullopt), signed_request("x-cal-signature-256", good, kBody)));
  http::HttpRequest unsigned_request;
  unsigned_request.body = kBody;
  EXPECT_FALSE(valid(calcom_verification("whsec"), unsigned_request));
  EXPECT_FALSE(valid(calcom_verification("whsec"), signed_request("x-cal-signature-256", "", kBody)));
}

// RFC 4648 section 10, and what the decoder refuses.
TEST(Base64Test, RfcVectorsRoundTripAndBadTextIsRefused) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(base64_encode(bytes), text);
    EXPECT_EQ(base64_decode(text), bytes);
  }
  EXPECT_EQ(base64_decode("Zm8"), "fo");  // padding is optional
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm=v"));
  EXPECT_FALSE(base64_decode("Zh=="));  // non-zero leftover bits: not a canonical spelling
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));
}

// Shopify-style: base64 of the HMAC in a header. The expected value was
// computed with OpenSSL:
//   printf '%s' '{"id":"t1"}' | openssl dgst -sha256 -hmac shpss_secret -binary | base64
TEST(WebhookSignatureTest, HmacInBase64IsComparedExactly) {
  const std::string body = R"({"id":"t1"})";
  const std::string good = "owfvZst0EjKMZnFkO/CbpNFgM5hIOLmuvnzmhJ/Shw4=";
  WebhookVerification v =
      hmac_verification("x-shopify-hmac-sha256", "shpss_secret", "", SignatureEncoding::kBase64);
  EXPECT_TRUE(valid(v, signed_request("x-shopify-hmac-sha256", good, body)));
  std::string lowered = good;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_FALSE(valid(v, signed_request("x-shopify-hmac-sha256", lowered, body)));  // base64 is case-sensitive
  EXPECT_FALSE(valid(v, signed_request("x-shopify-hmac-sha256", good, body + " ")));
  v.prefix = "v0=";
  EXPECT_TRUE(valid(v, signed_request("x-shopify-hmac-sha256", "v0=" + good, body)));
  auto check = check_signature(v, signed_request("x-shopify-hmac-sha256", good, body), kNow);
  EXPECT_FALSE(check.valid);
  EXPECT_NE(check.problem.find("does not begin with 'v0='"), std::string::npos) << check.problem;
}

// Stripe: t=<unix seconds>,v1=<hex HMAC of "t.body"> with the whole
// whsec_ secret as the key. Computed with OpenSSL:
//   printf '%s' '1700000000.{"id":"evt_1","type":"invoice.paid"}' |
//     openssl dgst -sha256 -hmac whsec_test_secret
const std::string kStripeBody = R"({"id":"evt_1","type":"invoice.paid"})";
const std::string kStripeV1 = "46dc069361a7691082640523fa33fe5d6c8c88d5f5e257cdf8cf11539d166595";
constexpr TimeMs kStripeTime = 1700000000000;

TEST(WebhookSignatureTest, StripeSignatureWithinTheTolerance) {
  WebhookVerification v = stripe_verification("whsec_test_secret", 300 * kSecondMs);
  EXPECT_EQ(v.header, "stripe-signature");
  auto at = [&](const std::string& header, TimeMs now) {
    return check_signature(v, signed_request("stripe-signature", header, kStripeBody), now);
  };
  EXPECT_TRUE(at("t=1700000000,v1=" + kStripeV1, kStripeTime).valid);
  EXPECT_TRUE(at("t=1700000000,v1=" + kStripeV1, kStripeTime + 300 * kSecondMs).valid);  // at the edge
  EXPECT_TRUE(at("t=1700000000,v1=" + kStripeV1, kStripeTime - 300 * kSecondMs).valid);
  // While a secret rolls, Stripe sends one v1 per secret; a v0 is ignored.
  EXPECT_TRUE(
      at("t=1700000000, v1=" + std::string(64, '0') + ", v1=" + kStripeV1 + ", v0=abc", kStripeTime).valid);
  auto stale = at("t=1700000000,v1=" + kStripeV1, kStripeTime + 301 * kSecondMs);
  EXPECT_FALSE(stale.valid);
  EXPECT_NE(stale.problem.find("tolerance of 300 s"), std::string::npos) << stale.problem;
  EXPECT_FALSE(at("t=1700000000,v1=" + kStripeV1, kStripeTime - 301 * kSecondMs).valid);  // from the future
  // Another timestamp changes the signed payload.
  EXPECT_FALSE(at("t=1700000001,v1=" + kStripeV1, kStripeTime).valid);
  EXPECT_FALSE(at("v1=" + kStripeV1, kStripeTime).valid);
  EXPECT_FALSE(at("t=1700000000", kStripeTime).valid);
  EXPECT_FALSE(at("t=17e8,v1=" + kStripeV1, kStripeTime).valid);
  EXPECT_FALSE(at("", kStripeTime).valid);
  EXPECT_FALSE(
      check_signature(stripe_verification("whsec_other"),
                      signed_request("stripe-signature", "t=1700000000,v1=" + kStripeV1, kStripeBody),
                      kStripeTime)
          .valid);
  http::HttpRequest unsigned_request;
  unsigned_request.body = kStripeBody;
  EXPECT_FALSE(check_signature(v, unsigned_request, kStripeTime).valid);
}

// The published example of the Standard Webhooks specification
// (github.com/standard-webhooks/standard-webhooks, libraries' tests).
TEST(WebhookSignatureTest, StandardWebhooksPublishedVector) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string body = R"({"test": 2432232314})";
  const std::string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  constexpr TimeMs sent = 1614265330000;
  auto request = [&](std::string id, std::string timestamp, std::string sig) {
    http::HttpRequest r;
    r.body = body;
    r.headers = {{"webhook-id", std::move(id)},
                 {"webhook-timestamp", std::move(timestamp)},
                 {"webhook-signature", std::move(sig)}};
    return r;
  };
  WebhookVerification v = standard_webhooks_verification(secret, 5 * kMinuteMs);
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  EXPECT_TRUE(check_signature(v, request(id, "1614265330", signature), sent).valid);
  EXPECT_TRUE(check_signature(v, request(id, "1614265330", "v1,bm9wZQ== v2,x " + signature), sent).valid);
  EXPECT_TRUE(signature_is_valid(standard_webhooks_verification(secret.substr(6)),
                                 request(id, "1614265330", signature), sent));  // the prefix is optional
  EXPECT_FALSE(check_signature(v, request(id + "x", "1614265330", signature), sent).valid);
  EXPECT_FALSE(check_signature(v, request(id, "1614265331", signature), sent).valid);
  EXPECT_FALSE(check_signature(v, request(id, "1614265330", signature.substr(3)), sent).valid);
  auto stale = check_signature(v, request(id, "1614265330", signature), sent + 5 * kMinuteMs + kSecondMs);
  EXPECT_FALSE(stale.valid);
  EXPECT_NE(stale.problem.find("webhook-timestamp"), std::string::npos) << stale.problem;
  EXPECT_FALSE(check_signature(v, request(id, "1614265330", signature), sent - 6 * kMinuteMs).valid);
  http::HttpRequest without_id = request(id, "1614265330", signature);
  without_id.headers.erase(without_id.headers.begin());
  EXPECT_FALSE(check_signature(v, without_id, sent).valid);
  EXPECT_FALSE(
      check_signature(standard_webhooks_verification("whsec_!!"), request(id, "1614265330", signature), sent)
          .valid);
  // Svix's names for the same headers (Resend sends these).
  http::HttpRequest svix;
  svix.body = body;
  svix.headers = {{"svix-id", id}, {"svix-timestamp", "1614265330"}, {"svix-signature", signature}};
  EXPECT_TRUE(check_signature(v, svix, sent).valid);
  svix.headers[2].second = "v1,bm9wZQ==";
  EXPECT_FALSE(check_signature(v, svix, sent).valid);
  EXPECT_EQ(standard_webhooks_key("whsec_"), std::nullopt);
  EXPECT_EQ(standard_webhooks_key("whsec_Zm9v"), "foo");
}

}  // namespace
}  // namespace sundial
