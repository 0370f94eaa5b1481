#include "connectors/email/email_address.h"

#include <gtest/gtest.h>

#include <string>

namespace sundial {
namespace {

TEST(EmailAddressTest, NormalizeTrimsAndLowerCases) {
  EXPECT_EQ(normalize_email("Ada@Example.COM"), "ada@example.com");
  EXPECT_EQ(normalize_email("  ada@example.com\t\r\n"), "ada@example.com");
  EXPECT_EQ(normalize_email("\n ADA.Lovelace+Tag@Example.co.UK  "), "ada.lovelace+tag@example.co.uk");
  EXPECT_EQ(normalize_email("a d@x.io"), "a d@x.io");  // inner spaces stay (and make it implausible)
  EXPECT_EQ(normalize_email(""), "");
  EXPECT_EQ(normalize_email("   "), "");
  // Bytes beyond ASCII are left as they are.
  EXPECT_EQ(normalize_email("J\xC3\x9CRGEN@X.DE"), "j\xC3\x9Crgen@x.de");
}

TEST(EmailAddressTest, NormalizeIsIdempotent) {
  for (const char* raw : {" Ada@Example.com ", "bob@x.io", "MiXeD@CaSe.Org"}) {
    std::string once = normalize_email(raw);
    EXPECT_EQ(normalize_email(once), once) << raw;
  }
}

TEST(EmailAddressTest, PlausibleEmailAcceptsAddresses) {
  for (const char* good : {"ada@example.com", "a@b.co", "ada.lovelace+nurture@mail.example.co.uk",
                           "o'brien@example.ie", "user_1-x@sub-domain.example.org", "UPPER@EXAMPLE.COM"}) {
    EXPECT_TRUE(plausible_email(good)) << good;
  }
  std::string longest = std::string(190 - std::string("@example.com").size(), 'a') + "@example.com";
  ASSERT_EQ(longest.size(), 190u);
  EXPECT_TRUE(plausible_email(longest));
}

TEST(EmailAddressTest, PlausibleEmailRejectsWhatIsNotAnAddress) {
  for (const char* bad : {"",
                          "ada",
                          "ada@",
                          "@example.com",
                          "ada@example",
                          "ada@@example.com",
                          "a@b@example.com",
                          "ada@.com",
                          "ada@example.",
                          "ada @example.com",
                          " ada@example.com",
                          "ada@example.com ",
                          "ada\t@example.com",
                          "ada/x@example.com",
                          "ada?@example.com",
                          "ada#@example.com",
                          "ada%40@example.com",
                          "ada\\@example.com",
                          "ada@exa\x01mple.com",
                          "ada\x7f@example.com",
                          "j\xC3\xBCrgen@example.de"}) {
    EXPECT_FALSE(plausible_email(bad)) << "'" << bad << "'";
  }
  std::string too_long = std::string(191 - std::string("@example.com").size(), 'a') + "@example.com";
  ASSERT_EQ(too_long.size(), 191u);
  EXPECT_FALSE(plausible_email(too_long));
}

}  // namespace
}  // namespace sundial
