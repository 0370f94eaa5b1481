// End-to-end, the event bus (docs/events.md) against the real sundiald:
// a published event is there after a kill -9; a subscription declared in
// sundiald.toml starts one instance per event, once in effect across a
// kill -9; a browser-style stream opens with ?access_token= (a stream
// token), which opens nothing else, is refused for another topic (403)
// and once expired (401), and never reaches the access log; CORS answers
// preflights for the configured origin only.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <csignal>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

class EventBusE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.sub("workflows"));
    std::ofstream(dir.sub("workflows") + "/signup.lua")
        << "return { run = function(ctx, input) return { saw = input.key } end }\n";
    write_audit_script(true);
    std::ofstream(dir.sub("sundial.toml")) << "[workflows]\ndir = \"" << dir.sub("workflows") << "\"\n"
                                           << R"(
[server]
cors_origins = ["https://app.example.com"]

[topics]
max_events = 1000

[subscriptions.on-signup]
topic = "signups"
filter = { type = "SignedUp" }
action = { start = { type = "signup", id = "signup-{key}" } }
)";
    start();
  }
  void TearDown() override {
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }
  void start() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--config", dir.sub("sundial.toml")},
                                             std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  // A script that declares its own subscription (or, without, none).
  void write_audit_script(bool subscribed) {
    std::ofstream(dir.sub("workflows") + "/audit.lua")
        << "return { run = function(ctx, input) return { seq = input.seq } end"
        << (subscribed ? R"(,
  subscriptions = { ["audit-paid"] = { topic = "audits", filter = { type = "Paid" }, instance_id = "audit-{seq}" } })"
                       : "")
        << " }\n";
  }
  void crash_and_restart() {
    daemon->kill();
    start();
  }
  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = kAuthJson) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }
  static json json_of(const HttpReply& r) { return json::parse(r.body, nullptr, false); }

  HttpReply publish(const std::string& topic, const json& event) {
    return call("POST", "/api/v1/topics/" + topic + "/events", event.dump());
  }
  std::string mint(const std::string& topics_json, const std::string& ttl = "\"1h\"") {
    auto r =
        call("POST", "/api/v1/stream-tokens", R"({"topics": )" + topics_json + R"(, "ttl": )" + ttl + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r).value("token", "");
  }
  // Polls until `id` exists (201/200) or a few seconds pass.
  bool instance_appears(const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      if (call("GET", "/api/v1/instances/" + id, "", kAuth).status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(EventBusE2eTest, AnAcknowledgedEventSurvivesAKill9AndItsIdStillDedupes) {
  auto published = publish("orders", {{"type", "Paid"}, {"id", "order-7"}, {"data", {{"total", 12}}}});
  ASSERT_EQ(published.status, 201) << published.body;
  crash_and_restart();
  auto page = call("GET", "/api/v1/topics/orders/events", "", kAuth);
  ASSERT_EQ(page.status, 200) << page.body;
  json events = json_of(page)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["data"]["total"], 12);
  auto again = publish("orders", {{"type", "Paid"}, {"id", "order-7"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json_of(again)["duplicate"], true);
  EXPECT_EQ(json_of(publish("orders", {{"type", "Paid"}}))["seq"], 2) << "numbering goes on";
}

TEST_F(EventBusE2eTest, AConfigSubscriptionStartsOneInstancePerEventAcrossAKill9) {
  ASSERT_EQ(publish("signups", {{"type", "SignedUp"}, {"key", "ada"}}).status, 201);
  ASSERT_EQ(publish("signups", {{"type", "Other"}, {"key", "bob"}}).status, 201);
  ASSERT_TRUE(instance_appears("signup-ada"));
  crash_and_restart();
  ASSERT_EQ(publish("signups", {{"type", "SignedUp"}, {"key", "cy"}}).status, 201);
  ASSERT_TRUE(instance_appears("signup-cy"));
  auto sub = call("GET", "/api/v1/subscriptions/on-signup", "", kAuth);
  ASSERT_EQ(sub.status, 200) << sub.body;
  EXPECT_EQ(json_of(sub)["source"], "config");
  EXPECT_EQ(json_of(sub)["cursor"], 3);
  EXPECT_EQ(call("GET", "/api/v1/instances/signup-bob", "", kAuth).status, 404);
  auto listed = call("GET", "/api/v1/instances?type=signup", "", kAuth);
  EXPECT_EQ(json_of(listed)["instances"].size(), 2u) << listed.body;
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/on-signup", "", kAuth).status, 400)
      << "declared in the file: removed there";
  auto metrics = call("GET", "/metrics", "", {});
  EXPECT_NE(metrics.body.find("sundial_subscription_lag{subscription=\"on-signup\"} 0"), std::string::npos);
}

TEST_F(EventBusE2eTest, AScriptDeclaresItsSubscriptionAndTakesItAwayWithItsCode) {
  ASSERT_EQ(publish("audits", {{"type", "Paid"}}).status, 201);
  ASSERT_TRUE(instance_appears("audit-1"));
  auto sub = call("GET", "/api/v1/subscriptions/audit-paid", "", kAuth);
  ASSERT_EQ(sub.status, 200) << sub.body;
  EXPECT_EQ(json_of(sub)["source"], "script");
  EXPECT_EQ(json_of(sub)["script"], "audit");
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/audit-paid", "", kAuth).status, 400)
      << "declared by a script: removed there";
  crash_and_restart();
  ASSERT_EQ(publish("audits", {{"type", "Paid"}}).status, 201);
  ASSERT_TRUE(instance_appears("audit-2")) << "still declared after a kill -9";
  // The script no longer declares it: on reload, the subscription goes.
  write_audit_script(false);
  daemon->signal(SIGHUP);
  bool gone = false;
  for (int i = 0; i < 250 && !gone; ++i) {
    gone = call("GET", "/api/v1/subscriptions/audit-paid", "", kAuth).status == 404;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << daemon->log();
}

TEST_F(EventBusE2eTest, AStreamTokenOpensItsTopicsStreamAndNothingElse) {
  std::string token = mint(R"(["tasks"])");
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(publish("tasks", {{"type", "CriticalPathCalculated"}, {"data", {{"length", 5}}}}).status, 201);

  HttpConnection sse(daemon->port());
  ASSERT_TRUE(sse.send_raw(
      http_request_bytes("GET", "/api/v1/topics/tasks/stream?since=0&access_token=" + token, "", {})));
  std::string got = sse.read_until("event: CriticalPathCalculated");
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("\"length\":5"), std::string::npos) << got;

  auto other_topic = call("GET", "/api/v1/topics/secrets/stream?access_token=" + token, "", {});
  EXPECT_EQ(other_topic.status, 403) << other_topic.body;
  auto other_route = call("GET", "/api/v1/topics/tasks/events?access_token=" + token, "", {});
  EXPECT_EQ(other_route.status, 401) << "a stream token opens stream routes only";
  auto forged = call("GET", "/api/v1/topics/tasks/stream?access_token=" + token + "x", "", {});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(daemon->log().find(token), std::string::npos) << "the token must never be logged";
}

TEST_F(EventBusE2eTest, AnExpiredStreamTokenIsAnsweredUnauthorized) {
  std::string token = mint(R"(["tasks"])", "1");
  for (int i = 0; i < 100; ++i) {
    auto r = call("GET", "/api/v1/topics/tasks/stream?access_token=" + token, "", {});
    if (r.status == 401) {
      EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "a token with a 1 s lifetime was still accepted after 5 s";
}

TEST_F(EventBusE2eTest, CorsAnswersTheConfiguredOriginOnly) {
  auto preflight = call("OPTIONS", "/api/v1/topics/tasks/events", "",
                        {{"Origin", "https://app.example.com"},
                         {"Access-Control-Request-Method", "POST"},
                         {"Access-Control-Request-Headers", "authorization, content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.header("access-control-allow-origin"), "https://app.example.com");
  auto refused = call("OPTIONS", "/api/v1/topics/tasks/events", "",
                      {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(refused.status, 403);
  auto headers = kAuth;
  headers["Origin"] = "https://app.example.com";
  auto read = call("GET", "/api/v1/topics", "", headers);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.header("access-control-allow-origin"), "https://app.example.com");
  headers["Origin"] = "https://evil.example";
  auto other = call("GET", "/api/v1/topics", "", headers);
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
}

TEST_F(EventBusE2eTest, TheLivePageIsServedWithAPolicyThatForbidsInlineScripts) {
  auto page = call("GET", "/live", "", {});
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"/live.js\">"), std::string::npos);
  auto script = call("GET", "/live.js", "", {});
  ASSERT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("EventSource"), std::string::npos);
  EXPECT_EQ(script.body.find("innerHTML"), std::string::npos) << "event data is shown as text only";

  // What the page asks for: every event as a plain message, type in the data.
  std::string token = mint(R"(["tasks"])");
  ASSERT_EQ(publish("tasks", {{"type", "DependentTasksRescheduled"}}).status, 201);
  HttpConnection sse(daemon->port());
  ASSERT_TRUE(sse.send_raw(http_request_bytes(
      "GET", "/api/v1/topics/tasks/stream?as=message&since=0&access_token=" + token, "", {})));
  std::string got = sse.read_until("DependentTasksRescheduled");
  EXPECT_NE(got.find("id: 1\ndata: "), std::string::npos) << got;
  EXPECT_EQ(got.find("event: "), std::string::npos) << got;
}

}  // namespace
}  // namespace sundial::testing
