// [alerts]: its keys, their defaults and bounds, and the start-up check
// that names the key at fault.
#include <gtest/gtest.h>

#include "tests/server/config/parse_config.h"

namespace sundial {
namespace {

std::optional<std::string> no_secret(const std::string&) { return std::nullopt; }
std::optional<std::string> a_secret(const std::string&) { return "s"; }

TEST(AlertsConfigTest, NoTableMeansNoAlerts) {
  auto c = parse_config("");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->alerts.url.empty());
  EXPECT_EQ(c->alerts.secret_env, "SUNDIAL_ALERTS_SECRET");
  EXPECT_EQ(c->alerts.interval, 60 * kSecondMs);
  EXPECT_EQ(c->alerts.max_attempts, 5);
  EXPECT_TRUE(check_alert_settings(c->alerts, no_secret));
}

TEST(AlertsConfigTest, ReadsEveryKey) {
  auto c = parse_config(
      "[alerts]\nurl = \"https://hooks.example.com/sundial\"\nsecret_env = \"HOOK_SECRET\"\n"
      "interval = \"5m\"\nmax_attempts = 3\nretry_backoff = \"250ms\"\ntimeout = \"5s\"\nmax_pending = 4\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->alerts.url, "https://hooks.example.com/sundial");
  EXPECT_EQ(c->alerts.secret_env, "HOOK_SECRET");
  EXPECT_EQ(c->alerts.interval, 5 * 60 * kSecondMs);
  EXPECT_EQ(c->alerts.max_attempts, 3);
  EXPECT_EQ(c->alerts.retry_backoff, 250);
  EXPECT_EQ(c->alerts.timeout, 5 * kSecondMs);
  EXPECT_EQ(c->alerts.max_pending, 4);
  EXPECT_TRUE(check_alert_settings(c->alerts, a_secret));
}

TEST(AlertsConfigTest, BadValuesNameTheirKey) {
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {"[alerts]\nurl = \"ftp://x\"", "alerts.url"},
           {"[alerts]\nurl = \"https://\"", "alerts.url"},
           {"[alerts]\nurl = \"hooks.example.com\"", "alerts.url"},
           {"[alerts]\nurl = 3", "alerts.url"},
           {"[alerts]\ninterval = \"100ms\"", "alerts.interval"},
           {"[alerts]\nmax_attempts = 0", "alerts.max_attempts"},
           {"[alerts]\nmax_attempts = 21", "alerts.max_attempts"},
           {"[alerts]\nretry_backoff = \"1ms\"", "alerts.retry_backoff"},
           {"[alerts]\nmax_pending = 0", "alerts.max_pending"},
           {"[alerts]\nhook = \"x\"", "alerts.hook"},
       }) {
    auto r = parse_config(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
  }
}

TEST(AlertsConfigTest, TheStartUpCheckNamesTheMissingUrlOrSecret) {
  auto without_url = parse_config("[alerts]\ninterval = \"2m\"");
  ASSERT_TRUE(without_url);
  auto r = check_alert_settings(without_url->alerts, a_secret);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("alerts.url"), std::string::npos) << r.error().message;

  auto with_url = parse_config("[alerts]\nurl = \"http://127.0.0.1:9/a\"");
  ASSERT_TRUE(with_url);
  r = check_alert_settings(with_url->alerts, no_secret);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("alerts.secret_env"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("$SUNDIAL_ALERTS_SECRET"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sundial
