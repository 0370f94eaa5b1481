// The workflow families' config sections (declared with each family,
// workflows/modules.h) and the webhook secrets' tables, parsed through
// server/config: same tables, keys, defaults and messages as when
// server/config named them itself.
#include <gtest/gtest.h>

#include <filesystem>

#include "server/config/config_file.h"
#include "tests/server/config/parse_config.h"
#include "workflows/shipped_scripts.h"

namespace sundial {
namespace {

TEST(ConfigModulesTest, TheFamiliesDefaultsAreTheDocumentedOnes) {
  DaemonConfig c;
  EXPECT_EQ(c.nurture.offsets, (std::vector<DurationMs>{0, kDayMs, 3 * kDayMs, 5 * kDayMs, 7 * kDayMs,
                                                        9 * kDayMs, 11 * kDayMs}));
  // Found beside the binary (workflows/shipped_scripts.h), never a path
  // compiled in: for this test, the build tree's share/sundial.
  EXPECT_EQ(c.nurture.templates_dir, shipped_templates_dir("nurture"));
  EXPECT_EQ(c.reminders.templates_dir, shipped_templates_dir("reminders"));
  EXPECT_TRUE(std::filesystem::is_regular_file(c.nurture.templates_dir + "/email-1.tmpl"))
      << c.nurture.templates_dir;
  EXPECT_TRUE(std::filesystem::is_regular_file(c.reminders.templates_dir + "/reminder.tmpl"))
      << c.reminders.templates_dir;
  EXPECT_FALSE(c.bench.workflows);
  EXPECT_EQ(c.nurture.signup_path, "/webhooks/signup");
  EXPECT_EQ(c.reminders.calcom_path, "/webhooks/calcom");
  EXPECT_EQ(c.webhooks.calcom_secret_env, "CALCOM_WEBHOOK_SECRET");
  EXPECT_EQ(c.webhooks.github_secret_env, "GITHUB_WEBHOOK_SECRET");
  EXPECT_EQ(c.webhooks.notion_secret_env, "NOTION_WEBHOOK_SECRET");
}

TEST(ConfigModulesTest, EmptyFamilyTablesKeepTheDefaults) {
  auto c = parse_config("[nurture]\n[reminders]\n[calcom]\n[github]\n[notion]\n");
  ASSERT_TRUE(c) << c.error().message;
  DaemonConfig defaults;
  EXPECT_EQ(c->nurture.offsets, defaults.nurture.offsets);
  EXPECT_EQ(c->nurture.templates_dir, defaults.nurture.templates_dir);
  EXPECT_EQ(c->reminders.before, defaults.reminders.before);
  EXPECT_EQ(c->reminders.templates_dir, defaults.reminders.templates_dir);
  EXPECT_EQ(c->webhooks.calcom_secret_env, defaults.webhooks.calcom_secret_env);
}

TEST(ConfigModulesTest, EveryDeclaredKeyIsRead) {
  auto c = parse_config(R"(
[nurture]
offsets = ["1h"]
templates_dir = "n"
signup_path = "/webhook/christmas-signup"
[reminders]
before = ["2h", "30m"]
templates_dir = "r"
calcom_path = "/hooks/cal"
[calcom]
secret_env = "C"
[github]
secret_env = "G"
[notion]
secret_env = "N"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->nurture.offsets, std::vector<DurationMs>{kHourMs});
  EXPECT_EQ(c->nurture.templates_dir, "n");
  EXPECT_EQ(c->reminders.before, (std::vector<DurationMs>{2 * kHourMs, 30 * kMinuteMs}));
  EXPECT_EQ(c->reminders.templates_dir, "r");
  EXPECT_EQ(c->nurture.signup_path, "/webhook/christmas-signup");
  EXPECT_EQ(c->reminders.calcom_path, "/hooks/cal");
  EXPECT_EQ(c->webhooks.calcom_secret_env, "C");
  EXPECT_EQ(c->webhooks.github_secret_env, "G");
  EXPECT_EQ(c->webhooks.notion_secret_env, "N");
}

// [notion] holds the client's keys (server schema) and the webhook
// secret's (declared with the other providers'); [notion_rollup] the
// fan-out's, numbers and lists included.
TEST(ConfigModulesTest, NotionTablesReadEveryKind) {
  auto c = parse_config(R"(
[notion]
secret_env = "MY_NOTION_SECRET"
token_env = "MY_NOTION_TOKEN"
version = "2022-06-28"
rate_per_second = 2.5
burst = 4
timeout = "10s"
[notion_rollup]
objectives_db_id = "o"
tasks_db_id = "t"
allow = ["u1", "u2"]
done_statuses = ["Done", "Shipped"]
daily_capacity = 7.5
default_estimate = 2
mode = "live"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->webhooks.notion_secret_env, "MY_NOTION_SECRET");
  EXPECT_EQ(c->notion.token_env, "MY_NOTION_TOKEN");
  EXPECT_EQ(c->notion.version, "2022-06-28");
  EXPECT_EQ(c->notion.rate_per_second, 2.5);
  EXPECT_EQ(c->notion.burst, 4);
  EXPECT_EQ(c->notion.timeout, 10 * kSecondMs);
  EXPECT_EQ(c->notion_rollup.allow, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(c->notion_rollup.done_statuses, (std::vector<std::string>{"Done", "Shipped"}));
  EXPECT_EQ(c->notion_rollup.daily_capacity, 7.5);
  EXPECT_EQ(c->notion_rollup.default_estimate, 2);
  EXPECT_EQ(c->notion_rollup.mode, "live");
  auto range = parse_config("[notion_rollup]\ndaily_capacity = 25\n");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("notion_rollup.daily_capacity"), std::string::npos) << range.error().message;
  EXPECT_NE(range.error().message.find("a number from 0.1 to 24"), std::string::npos) << range.error().message;
  auto list = parse_config("[notion_rollup]\nallow = \"u1\"\n");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("an array of strings"), std::string::npos) << list.error().message;
}

// [notion_dependencies]: a boolean key (the only kind the other tables
// lack) and its refusal of anything but true or false.
TEST(ConfigModulesTest, NotionDependenciesReadABoolean) {
  auto c = parse_config(R"(
[notion_dependencies]
tasks_db_id = "t"
skip_weekends = false
critical_path_debounce = "2s"
mode = "live"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->notion_dependencies.tasks_db_id, "t");
  EXPECT_FALSE(c->notion_dependencies.skip_weekends);
  EXPECT_EQ(c->notion_dependencies.critical_path_debounce, 2 * kSecondMs);
  EXPECT_EQ(c->notion_dependencies.mode, "live");
  auto bad = parse_config("[notion_dependencies]\nskip_weekends = \"yes\"\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("notion_dependencies.skip_weekends"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("true or false"), std::string::npos) << bad.error().message;
}

TEST(ConfigModulesTest, MessagesListTheSameTablesAndKeys) {
  auto table = parse_config("[nurtur]\n");
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message,
            "sundial.toml:1:1: unknown table [nurtur]; known tables: alerts, audit, bench, calcom, github, limits, notion, "
            "notion_dependencies, notion_github_sync, notion_rollup, nurture, queues, "
            "reminders, resend, schedules, send_windows, server, storage, subscriptions, topics, workflows");
  auto key = parse_config("[reminders]\nlead = [\"1h\"]\n");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message,
            "sundial.toml:2:8: unknown key 'reminders.lead'; known keys of [reminders]: before, calcom_path, "
            "templates_dir");
  auto value = parse_config("[reminders]\nbefore = \"1h\"\n");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().message,
            "sundial.toml:2:10: config key 'reminders.before' must be an array of durations");
  auto secret = parse_config("[calcom]\nsecret_env = 3\n");
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().message, "sundial.toml:2:14: config key 'calcom.secret_env' must be a string");
}

TEST(ConfigModulesTest, AFailedParseLeavesTheConfigAsItWas) {
  DaemonConfig c;
  c.nurture.templates_dir = "kept";
  ASSERT_FALSE(apply_config_text("[nurture]\ntemplates_dir = \"new\"\noffsets = 3\n", "sundial.toml", c));
  EXPECT_EQ(c.nurture.templates_dir, "kept");
  ASSERT_TRUE(apply_config_text("[nurture]\ntemplates_dir = \"new\"\n", "sundial.toml", c));
  EXPECT_EQ(c.nurture.templates_dir, "new");
}

}  // namespace
}  // namespace sundial

namespace sundial {
namespace {

TEST(ConfigWorkflowsTest, TheWorkflowsTableAndEachTypesOwnSection) {
  auto c = parse_config(
      "[workflows]\ndir = \"/srv/flows\"\nshipped = false\nhttp_allow = [\"*\", \"10.0.0.0/8\"]\n"
      "secrets = [\"NOTION_TOKEN\"]\n[workflows.notion-sync]\ndatabase = \"abc\"\nlimits = { pages = 3 }\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->workflows.dir, "/srv/flows");
  EXPECT_FALSE(c->workflows.shipped);
  EXPECT_EQ(c->workflows.http_allow, (std::vector<std::string>{"*", "10.0.0.0/8"}));
  EXPECT_EQ(c->workflows.secrets, (std::vector<std::string>{"NOTION_TOKEN"}));
  EXPECT_EQ(c->workflows.type_config.at("notion-sync"),
            (nlohmann::json{{"database", "abc"}, {"limits", {{"pages", 3}}}}));
}

TEST(ConfigWorkflowsTest, ATypesSectionBecomesJsonWithDatesAsTextAndABoundedDepth) {
  auto c = parse_config(
      "[workflows.report]\nat = 07:30:00\nday = 2026-11-30\nratio = 0.5\nlist = [1, \"two\", true]\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->workflows.type_config.at("report"),
            (nlohmann::json{{"at", "07:30:00"},
                            {"day", "2026-11-30"},
                            {"ratio", 0.5},
                            {"list", nlohmann::json::array({1, "two", true})}}));
  // 2,000 dotted levels: refused at once, naming the section (its JSON
  // text through toml++'s indenting formatter was 16 MB).
  std::string deep = "[workflows]\n";
  for (int i = 0; i < 2000; ++i) deep += "a.";
  deep += "a = 1\n";
  auto refused = parse_config(deep);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("[workflows.a] is nested deeper than 64 levels"), std::string::npos)
      << refused.error().message;
  auto infinite = parse_config("[workflows.x]\nv = inf\n");
  ASSERT_FALSE(infinite);
  EXPECT_NE(infinite.error().message.find("inf or nan"), std::string::npos);
}

TEST(ConfigWorkflowsTest, TheSandboxLimitsAreConfigurableWithinBounds) {
  auto c = parse_config(
      "[workflows]\ninstructions_per_activation = 5000000\nmemory_per_activation = 33554432\n"
      "memory_per_state = 268435456\nmax_json_bytes = 65536\nmax_journal_entries = 500\n"
      "map_instructions = 20000\nwarm_memory_per_state = 0\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->workflows.limits.instructions_per_activation, 5'000'000);
  EXPECT_EQ(c->workflows.limits.memory_per_activation, 32u << 20);
  EXPECT_EQ(c->workflows.limits.memory_per_state, 256u << 20);
  EXPECT_EQ(c->workflows.limits.max_json_bytes, 65536u);
  EXPECT_EQ(c->workflows.limits.max_journal_entries, 500u);
  EXPECT_EQ(c->workflows.map_instructions, 20'000);
  EXPECT_EQ(c->workflows.limits.warm_memory_per_state, 0u);
  for (const char* bad : {"instructions_per_activation = 0", "memory_per_state = -1", "max_json_bytes = 1.5",
                          "max_journal_entries = \"many\"", "map_instructions = 10"}) {
    auto refused = parse_config(std::string("[workflows]\n") + bad + "\n");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("workflows."), std::string::npos) << refused.error().message;
  }
}

TEST(ConfigWorkflowsTest, ABadAllowListEntryIsRefusedNamingTheKey) {
  auto c = parse_config("[workflows]\nhttp_allow = [\"10.0.0.0/99\"]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("workflows.http_allow"), std::string::npos) << c.error().message;
  EXPECT_TRUE(DaemonConfig().workflows.http_allow == std::vector<std::string>{"*"});
}

}  // namespace
}  // namespace sundial
