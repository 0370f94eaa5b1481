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

TEST(WebhookSignatureTest, CalcomIsTheHexHmacInXCalSignature256) {
  WebhookVerification v = calcom_verification("whsec");
  EXPECT_EQ(v.scheme, SignatureScheme::kHexHmac);
  EXPECT_EQ(v.header, "x-cal-signature-256");
  std::string good = hmac_sha256_hex("whsec", kBody);
  EXPECT_TRUE(signature_is_valid(v, signed_request("x-cal-signature-256", good, kBody)));
  std::string upper = good;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_TRUE(signature_is_valid(v, signed_request("x-cal-signature-256", upper, kBody)));
  EXPECT_FALSE(signature_is_valid(v, signed_request("x-cal-signature-256", "sha256=" + good, kBody)));
  EXPECT_FALSE(signature_is_valid(v, signed_request("x-cal-signature-256", good, kBody + " ")));
  EXPECT_FALSE(signature_is_valid(v, signed_request("x-hub-signature-256", good, kBody)));  // wrong header
  EXPECT_FALSE(
      signature_is_valid(calcom_verification("other"), signed_request("x-cal-signature-256", good, kBody)));
}

TEST(WebhookSignatureTest, GithubAndNotionArePrefixedWithSha256) {
  std::string good = "sha256=" + hmac_sha256_hex("whsec", kBody);
  WebhookVerification github = github_verification("whsec");
  EXPECT_EQ(github.scheme, SignatureScheme::kPrefixedHmac);
  EXPECT_EQ(github.header, "x-hub-signature-256");
  EXPECT_TRUE(signature_is_valid(github, signed_request("x-hub-signature-256", good, kBody)));
  EXPECT_FALSE(signature_is_valid(github, signed_request("x-hub-signature-256", good.substr(7), kBody)));
  WebhookVerification notion = notion_verification("whsec");
  EXPECT_EQ(notion.scheme, SignatureScheme::kPrefixedHmac);
  EXPECT_EQ(notion.header, "x-notion-signature");
  EXPECT_TRUE(signature_is_valid(notion, signed_request("x-notion-signature", good, kBody)));
  EXPECT_FALSE(signature_is_valid(notion, signed_request("x-hub-signature-256", good, kBody)));
}

TEST(WebhookSignatureTest, NoSecretOrNoHeaderRefusesEverything) {
  std::string good = hmac_sha256_hex("whsec", kBody);
  EXPECT_FALSE(signature_is_valid(calcom_verification(std::nullopt),
                                  signed_request("x-cal-signature-256", good, kBody)));
  http::HttpRequest unsigned_request;
  unsigned_request.body = kBody;
  EXPECT_FALSE(signature_is_valid(calcom_verification("whsec"), unsigned_request));
  EXPECT_FALSE(
      signature_is_valid(calcom_verification("whsec"), signed_request("x-cal-signature-256", "", kBody)));
}

}  // namespace
}  // namespace sundial
