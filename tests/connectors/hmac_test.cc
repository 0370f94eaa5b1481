#include "connectors/signing/hmac.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(HmacTest, MatchesTheRfc4231TestVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacTest, VerifiesPlainAndPrefixedSignatures) {
  std::string body = R"({"triggerEvent":"BOOKING_CREATED"})";
  std::string sig = hmac_sha256_hex("secret", body);
  EXPECT_TRUE(verify_hmac_signature("secret", body, sig));
  EXPECT_TRUE(verify_hmac_signature("secret", body, "sha256=" + sig, "sha256="));
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_hmac_signature("secret", body, upper));
  EXPECT_FALSE(verify_hmac_signature("other", body, sig));
  EXPECT_FALSE(verify_hmac_signature("secret", body + " ", sig));
  EXPECT_FALSE(verify_hmac_signature("secret", body, sig, "sha256="));
  EXPECT_FALSE(verify_hmac_signature("secret", body, ""));
  EXPECT_FALSE(verify_hmac_signature("secret", body, sig.substr(0, 10)));
}

TEST(HmacTest, ConstantTimeEqualComparesLengthAndBytes) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace sundial
