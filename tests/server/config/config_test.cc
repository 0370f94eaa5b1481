#include <gtest/gtest.h>

#include <fstream>

#include "server/config/config_file.h"
#include "server/config/daemon_args.h"
#include "tests/server/config/parse_config.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

TEST(ConfigTest, DefaultsMatchTheDocumentedEmbeddedDefault) {
  DaemonConfig c;
  EXPECT_EQ(c.server.listen_host, "127.0.0.1");
  EXPECT_EQ(c.server.listen_port, 8080);
  EXPECT_EQ(c.server.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.server.max_header_bytes, 16u << 10);
  EXPECT_EQ(c.engine.data_dir, "./sundial-data");
  EXPECT_EQ(c.engine.idempotency_window, 24 * kHourMs);
  EXPECT_EQ(c.engine.retention.retention, 30 * kDayMs);
  EXPECT_EQ(c.nurture.offsets.back(), 11 * kDayMs);
  EXPECT_EQ(c.reminders.before, (std::vector<DurationMs>{24 * kHourMs, kHourMs}));
}

TEST(ConfigTest, ReadsEveryTable) {
  auto c = parse_config(R"(
[server]
listen = "0.0.0.0:9000"
admin_token_env = "MY_TOKEN"
max_body_bytes = 2048
max_header_bytes = 4096
max_connections = 10
idle_timeout = "30s"
read_timeout = "5s"
shutdown_timeout = "2s"
log_format = "json"
log_level = "debug"
webhook_rate_per_second = 2.5
webhook_burst = 10

[storage]
path = "/var/lib/sundial"
retention = "7d"
idempotency_window = "1h"
event_log_capacity = 500

[resend]
base_url = "http://localhost:9999"
api_key_env = "RK"
from = "Me <me@example.com>"

[nurture]
offsets = ["0s", "1d12h"]
templates_dir = "t"

[reminders]
before = ["1h"]

[calcom]
secret_env = "CS"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.listen_host, "0.0.0.0");
  EXPECT_EQ(c->server.listen_port, 9000);
  EXPECT_EQ(c->server.max_body_bytes, 2048u);
  EXPECT_EQ(c->server.idle_timeout, 30 * kSecondMs);
  EXPECT_EQ(c->server.log_format, "json");
  EXPECT_DOUBLE_EQ(c->server.webhook_rate_per_second, 2.5);
  EXPECT_EQ(c->engine.data_dir, "/var/lib/sundial");
  EXPECT_EQ(c->engine.retention.retention, 7 * kDayMs);
  EXPECT_EQ(c->engine.event_log_capacity, 500u);
  EXPECT_EQ(c->resend.from, "Me <me@example.com>");
  EXPECT_EQ(c->nurture.offsets, (std::vector<DurationMs>{0, kDayMs + 12 * kHourMs}));
  EXPECT_EQ(c->webhooks.calcom_secret_env, "CS");
}

TEST(ConfigTest, BadValuesNameTheirKey) {
  struct Case {
    std::string text;
    std::string key;
  };
  for (const auto& c : std::vector<Case>{
           {"[server]\nlisten = \"nohost\"", "server.listen"},
           {"[server]\nlisten = \"127.0.0.1:99999\"", "server.listen"},
           {"[server]\nmax_body_bytes = 0", "server.max_body_bytes"},
           {"[server]\nmax_body_bytes = \"1MB\"", "server.max_body_bytes"},
           // A float where an integer belongs, too large for one (fuzz_config
           // found toml++ converting it with undefined behaviour).
           {"[server]\nmax_header_bytes = 8E192", "server.max_header_bytes"},
           {"[server]\nmax_header_bytes = 4096.0", "server.max_header_bytes"},
           {"[server]\nidle_timeout = \"soon\"", "server.idle_timeout"},
           {"[server]\nlog_level = \"loud\"", "server.log_level"},
           {"[server]\nwebhook_burst = -1", "server.webhook_burst"},
           {"[storage]\nretention = 30", "storage.retention"},
           {"[nurture]\noffsets = [\"1d\", 3]", "nurture.offsets"},
       }) {
    auto r = parse_config(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().message.find(c.key), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("sundial.toml:"), std::string::npos) << r.error().message;
  }
}

TEST(ConfigTest, MaxJsonDepthDefaultsTo64AndIsBounded) {
  EXPECT_EQ(DaemonConfig{}.server.max_json_depth, 64u);
  auto set = parse_config("[server]\nmax_json_depth = 16");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->server.max_json_depth, 16u);
  ASSERT_TRUE(parse_config("[server]\nmax_json_depth = 512"));
  for (const char* bad : {"0", "513", "-1", "\"64\"", "1.5"}) {
    auto r = parse_config(std::string("[server]\nmax_json_depth = ") + bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("server.max_json_depth"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("from 1 to 512"), std::string::npos) << r.error().message;
  }
}

TEST(ConfigTest, QueueTablesSetMaxInFlightAndRefuseWhatIsNotAQueueSetting) {
  DaemonConfig c;
  ASSERT_TRUE(apply_config_text(
      "[queues.emails]\nmax_in_flight = 20\n[queues.\"a.b-c\"]\nmax_in_flight = 1\n", "sundial.toml", c));
  EXPECT_EQ(c.queue_max_in_flight.at("emails"), 20u);
  EXPECT_EQ(c.queue_max_in_flight.at("a.b-c"), 1u);
  for (std::string bad : {"[queues.emails]\nmax_in_flight = 0", "[queues.emails]\nmax_in_flight = 2.5",
                          "[queues.emails]\npaused = true", "[queues]\nemails = 3",
                          "[queues.\"bad name\"]\nmax_in_flight = 1"}) {
    DaemonConfig d;
    auto r = apply_config_text(bad, "sundial.toml", d);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("queues"), std::string::npos) << r.error().message;
    EXPECT_TRUE(d.queue_max_in_flight.empty());
  }
}

TEST(ConfigTest, LimitTablesDeclareSharedRateLimiters) {
  DaemonConfig c;
  ASSERT_TRUE(apply_config_text("[limits.notion]\nrate = 3\nburst = 5\n[limits.github]\nrate = 0.5\n",
                                "sundial.toml", c));
  EXPECT_EQ(c.limits.at("notion").rate_per_second, 3.0);
  EXPECT_EQ(c.limits.at("notion").burst, 5.0);
  EXPECT_EQ(c.limits.at("github").rate_per_second, 0.5);
  EXPECT_EQ(c.limits.at("github").burst, 1.0) << "the rate rounded up, at least 1";
  for (std::string bad :
       {"[limits.notion]\nburst = 3", "[limits.notion]\nrate = 0", "[limits.notion]\nrate = -1",
        "[limits.notion]\nrate = \"3\"", "[limits.notion]\nrate = 3\nburst = 0.5",
        "[limits.notion]\nrate = nan", "[limits.notion]\nrate = 3\nwindow = 1", "[limits]\nnotion = 3",
        "[limits.\"bad name\"]\nrate = 1"}) {
    DaemonConfig d;
    auto r = apply_config_text(bad, "sundial.toml", d);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("limits"), std::string::npos) << r.error().message;
    EXPECT_TRUE(d.limits.empty());
  }
}

// [send_windows.<name>] and [workflows.<type>] send_window (docs/send-windows.md).
TEST(ConfigTest, SendWindowTablesNameWindowsThatTypesUse) {
  auto c = parse_config(
      "[workflows.nurture]\nsend_window = \"business\"\n"  // named before it is defined
      "[workflows.reminders]\nsend_window = { from = \"08:00\", to = \"20:00\" }\n"
      "[send_windows.business]\ndays = \"Mon-Fri\"\nfrom = \"09:00\"\nto = \"18:00\"\n"
      "timezone = \"Europe/Paris\"\ntimezone_from = \"timezone\"\n");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(resolve_type_send_windows(*c));
  const SendWindowCatalog& windows = c->engine.send_windows;
  ASSERT_EQ(windows.named.size(), 1u);
  EXPECT_EQ(to_json(windows.named.at("business")),
            (nlohmann::json{{"days", "Mon-Fri"}, {"from", "09:00"}, {"to", "18:00"}, {"timezone", "Europe/Paris"},
                            {"timezone_from", "timezone"}, {"name", "business"}}));
  ASSERT_NE(windows.for_type("nurture"), nullptr);
  EXPECT_EQ(windows.for_type("nurture")->name, "business");
  // The type's ctx.config sees the window whole, its name resolved.
  EXPECT_EQ(c->workflows.type_config.at("nurture").at("send_window"), to_json(windows.named.at("business")));
  ASSERT_NE(windows.for_type("reminders"), nullptr);
  EXPECT_EQ(windows.for_type("reminders")->from_minute, 8 * 60);
  EXPECT_EQ(windows.for_type("notion-sync"), nullptr);

  for (std::string bad : {"[send_windows.x]\nfrom = \"9\"\nto = \"18:00\"",
                          "[send_windows.x]\nfrom = \"09:00\"", "[send_windows.x]\nfrom = \"09:00\"\nto = \"18:00\"\nzone = \"UTC\"",
                          "[send_windows.x]\nfrom = \"09:00\"\nto = \"18:00\"\ntimezone = \"Mars/Base\"",
                          "[send_windows.\"bad name\"]\nfrom = \"09:00\"\nto = \"18:00\"",
                          "[send_windows.x]\nname = \"y\"\nfrom = \"09:00\"\nto = \"18:00\"",
                          "[send_windows]\nx = 1"}) {
    auto r = parse_config(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("send_window"), std::string::npos) << r.error().message;
  }
  auto unknown = parse_config("[workflows.nurture]\nsend_window = \"nigth\"\n[send_windows.night]\nfrom = \"22:00\"\nto = \"06:00\"\n");
  ASSERT_TRUE(unknown);
  auto resolved = resolve_type_send_windows(*unknown);
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().message,
            "[workflows.nurture] send_window: unknown send window \"nigth\" (defined: night)");
}

TEST(ConfigTest, UnknownKeysAndTablesAreErrors) {
  auto key = parse_config("[server]\nlisten_port = 1\n");
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("unknown key 'server.listen_port'"), std::string::npos);
  EXPECT_NE(key.error().message.find("listen"), std::string::npos);  // the known keys are listed
  auto table = parse_config("[serv]\nlisten = \"x\"\n");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().message.find("unknown table [serv]"), std::string::npos);
  EXPECT_FALSE(parse_config("listen = \"127.0.0.1:1\"\n"));  // keys belong in tables
}

TEST(ConfigTest, SyntaxErrorsGiveTheLine) {
  auto r = parse_config("[server]\n\nlisten = \n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sundial.toml:3"), std::string::npos) << r.error().message;
}

TEST(ConfigTest, FlagsOverrideTheFile) {
  testing::TempDir dir;
  std::ofstream(dir.sub("s.toml"))
      << "[server]\nlisten = \"127.0.0.1:7000\"\n[storage]\npath = \"/from/file\"\n";
  auto args = parse_daemon_args({"--config", dir.sub("s.toml"), "--listen=127.0.0.1:0"});
  ASSERT_TRUE(args) << args.error().message;
  EXPECT_EQ(args->config.server.listen_port, 0);
  EXPECT_EQ(args->config.engine.data_dir, "/from/file");
  auto both = parse_daemon_args({"--data-dir", "/flag", "--config", dir.sub("s.toml")});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->config.engine.data_dir, "/flag");
  EXPECT_FALSE(parse_daemon_args({"--config", dir.sub("missing.toml")}));
  EXPECT_FALSE(parse_daemon_args({"--listen"}));
  EXPECT_TRUE(parse_daemon_args({"--help"})->show_help);
}

TEST(ConfigTest, UnknownFlagsSuggestTheClosest) {
  auto r = parse_daemon_args({"--data-dri", "x"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("did you mean '--data-dir'"), std::string::npos) << r.error().message;
  auto far = parse_daemon_args({"--verbose"});
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().message.find("did you mean"), std::string::npos);
}

TEST(ConfigTest, SecretsComeFromTheEnvironment) {
  ::setenv("SUNDIAL_TEST_SECRET", "abc", 1);
  EXPECT_EQ(secret_from_env("SUNDIAL_TEST_SECRET"), "abc");
  ::setenv("SUNDIAL_TEST_SECRET", "", 1);
  EXPECT_EQ(secret_from_env("SUNDIAL_TEST_SECRET"), std::nullopt);
  EXPECT_EQ(secret_from_env("SUNDIAL_TEST_UNSET_VARIABLE"), std::nullopt);
}

TEST(ConfigTest, ScheduleTablesDeclareSchedules) {
  auto c = parse_config(R"(
[schedules.nightly]
cron = "0 3 * * *"
timezone = "Europe/Paris"
misfire = { backfill = 2 }
action = { task = { queue = "catch-ups", type = "backfill", payload = { since = "yesterday" } } }

[schedules.poll]
every = "15m"
action = { signal = { id = "poller", name = "tick" } }
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->schedules.size(), 2u);
  EXPECT_EQ(c->schedules[0].id, "nightly");
  EXPECT_EQ(c->schedules[0].backfill, 2u);
  EXPECT_EQ(c->schedules[0].action.body.value()["payload"]["since"], "yesterday");
  EXPECT_EQ(c->schedules[1].overlap, OverlapPolicy::kAllow);
  for (std::string bad :
       {"[schedules.x]\ncron = \"0 25 * * *\"\naction = { task = { queue = \"q\" } }",
        "[schedules.x]\nevery = \"1m\"", "[schedules.\"bad id\"]\nevery = \"1m\"", "[schedules]\nx = 3",
        "[schedules.x]\nevery = \"1m\"\nid = \"y\"\naction = { task = { queue = \"q\" } }"}) {
    auto r = parse_config(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("schedules"), std::string::npos) << r.error().message;
  }
  auto position = parse_config("[schedules.x]\ncron = \"0 25 * * *\"\naction = { task = { queue = \"q\" } }");
  EXPECT_NE(position.error().message.find("position"), std::string::npos) << position.error().message;
}

TEST(ConfigTest, TopicsSubscriptionsAndCorsOrigins) {
  auto c = parse_config(R"(
[server]
cors_origins = ["https://app.example.com", "http://localhost:5173"]

[topics]
max_events = 500
max_age = "2d"

[topics.audit]
max_bytes = 4096

[subscriptions.reschedule]
topic = "tasks"
filter = { type = "TaskPropertiesUpdated" }
action = { start = { type = "notion.reschedule", id = "reschedule-{key}" } }
from = 1
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.cors_origins.size(), 2u);
  EXPECT_EQ(c->engine.topics.retention.max_events, 500u);
  EXPECT_EQ(c->engine.topics.retention.max_age, 2 * kDayMs);
  const TopicRetention& audit = c->engine.topics.retention_of("audit");
  EXPECT_EQ(audit.max_bytes, 4096u);
  EXPECT_EQ(audit.max_events, 500u) << "keys a topic leaves out come from [topics]";
  ASSERT_EQ(c->subscriptions.size(), 1u);
  EXPECT_EQ(c->subscriptions[0].id, "reschedule");
  EXPECT_EQ(c->subscriptions[0].filter_type, "TaskPropertiesUpdated");
  EXPECT_EQ(c->subscriptions[0].from, 1u);
  for (std::string bad : {"[server]\ncors_origins = [\"https://a.com/\"]", "[topics]\nmax_events = 0",
                          "[topics]\nmax_age = \"soon\"", "[topics]\ncolour = 1", "[topics.\"a b\"]\nmax_events = 1",
                          "[subscriptions.s]\ntopic = \"t\"",
                          "[subscriptions.s]\nid = \"other\"\ntopic = \"t\"\naction = { start = { type = \"x\" } }"}) {
    auto r = parse_config(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(ConfigTest, ReadsTheConnectionLimits) {
  DaemonConfig defaults;
  EXPECT_EQ(defaults.server.max_queued_output_bytes, size_t{1} << 20);
  EXPECT_EQ(defaults.server.max_connections_per_client, 256u);
  EXPECT_EQ(defaults.server.max_body_bytes_in_flight, size_t{64} << 20);
  EXPECT_TRUE(defaults.server.trusted_proxies.empty());
  auto c = parse_config(R"(
[server]
max_queued_output_bytes = 65536
max_connections_per_client = 8
reserved_connections = 4
max_body_bytes_in_flight = 1048576
trusted_proxies = ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"]
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.max_queued_output_bytes, 65536u);
  EXPECT_EQ(c->server.max_connections_per_client, 8u);
  EXPECT_EQ(c->server.reserved_connections, 4u);
  EXPECT_EQ(c->server.max_body_bytes_in_flight, 1048576u);
  EXPECT_EQ(c->server.trusted_proxies.size(), 4u);
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {"[server]\ntrusted_proxies = [\"10.0.0.0/33\"]", "server.trusted_proxies"},
           {"[server]\ntrusted_proxies = [\"proxy.local\"]", "server.trusted_proxies"},
           {"[server]\ntrusted_proxies = \"10.0.0.0/8\"", "server.trusted_proxies"},
           {"[server]\ntrusted_proxies = [\"fd00::/129\"]", "server.trusted_proxies"},
           {"[server]\nmax_connections_per_client = 0", "server.max_connections_per_client"},
           {"[server]\nmax_queued_output_bytes = 10", "server.max_queued_output_bytes"},
           {"[server]\nmax_body_bytes_in_flight = 0", "server.max_body_bytes_in_flight"},
       }) {
    auto r = parse_config(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace sundial
