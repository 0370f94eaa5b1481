// End to end: the alert hook of the real sundiald. A Lua workflow that
// fails at once; a receiver that answers 500 to the first two deliveries.
// The first failure is delivered after two retries, signed, with one id
// across attempts; a burst of failures after it is grouped into at most
// two more messages that count every one; /metrics counts what was sent.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sys/wait.h>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/alerts/alert_signature.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

constexpr const char* kSecret = "e2e-alert-secret";

const char* const kDoomed = R"lua(
return {
  run = function(ctx, input)
    error("doomed " .. input.n, 0)
  end,
}
)lua";

// What the receiver got: each request and the status it answered.
struct Delivery {
  http::HttpRequest request;
  int status = 0;
  int64_t unix_seconds = 0;
};

class AlertsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver.script([this](const http::HttpRequest& r) {
      std::lock_guard lock(mu);
      int status = deliveries.size() < 2 ? 500 : 200;
      int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
      deliveries.push_back(Delivery{r, status, now});
      return http::HttpResponse::json(status, {{"ok", status == 200}});
    });
    std::filesystem::create_directories(dir.sub("workflows"));
    std::ofstream(dir.sub("workflows") + "/doomed.lua") << kDoomed;
    std::ofstream(dir.sub("sundial.toml")) << "[alerts]\nurl = \"" << receiver.base_url()
                                           << "/alerts\"\ninterval = \"2s\"\nretry_backoff = \"100ms\"\n";
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"),
        std::vector<std::string>{"--config", dir.sub("sundial.toml"), "--workflows-dir", dir.sub("workflows")},
        std::vector<std::string>{std::string("SUNDIAL_ALERTS_SECRET=") + kSecret});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  void TearDown() override {
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  void start_doomed(int n) {
    HttpConnection c(daemon->port());
    auto r = c.request("POST", "/api/v1/workflows/doomed/instances",
                       nlohmann::json{{"id", "d" + std::to_string(n)}, {"input", {{"n", n}}}}.dump(),
                       {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r);
    ASSERT_LT(r->status, 300) << r->body;
  }
  // The bodies answered 200, once each alert id, in order.
  std::vector<nlohmann::json> delivered() {
    std::lock_guard lock(mu);
    std::vector<nlohmann::json> out;
    for (const Delivery& d : deliveries) {
      if (d.status == 200) out.push_back(nlohmann::json::parse(d.request.body));
    }
    return out;
  }
  uint64_t failures_delivered() {
    uint64_t n = 0;
    for (const auto& body : delivered()) n += body["counts"]["instance_failed"].get<uint64_t>();
    return n;
  }
  // Polls until `done` or 15 s.
  bool eventually(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  TempDir dir;
  ScriptedHttpServer receiver;
  std::mutex mu;
  std::vector<Delivery> deliveries;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(AlertsE2E, AFailedInstanceIsAlertedSignedRetriedAndAStormIsGrouped) {
  start_doomed(1);
  ASSERT_TRUE(eventually([&] { return failures_delivered() == 1; })) << daemon->log();
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(deliveries.size(), 3u);  // 500, 500, 200
    const std::string* id = deliveries[0].request.header("sundial-alert-id");
    ASSERT_TRUE(id);
    for (const Delivery& d : deliveries) {
      EXPECT_EQ(d.request.path, "/alerts");
      ASSERT_TRUE(d.request.header("sundial-alert-id"));
      EXPECT_EQ(*d.request.header("sundial-alert-id"), *id);
      ASSERT_TRUE(d.request.header("sundial-signature"));
      EXPECT_TRUE(alerts::verify_alert_signature(kSecret, *d.request.header("sundial-signature"), d.request.body,
                                                 d.unix_seconds))
          << *d.request.header("sundial-signature");
      EXPECT_FALSE(alerts::verify_alert_signature("wrong", *d.request.header("sundial-signature"),
                                                  d.request.body, d.unix_seconds));
    }
  }
  nlohmann::json first = delivered().front();
  EXPECT_EQ(first["total"], 1);
  ASSERT_EQ(first["alerts"].size(), 1u);
  EXPECT_EQ(first["alerts"][0]["kind"], "instance_failed");
  EXPECT_EQ(first["alerts"][0]["instance_id"], "d1");
  EXPECT_EQ(first["alerts"][0]["workflow_type"], "doomed");
  EXPECT_NE(first["alerts"][0]["error"].get<std::string>().find("doomed 1"), std::string::npos) << first.dump();

  // A burst within the window: held and sent together when it ends.
  for (int n = 2; n <= 7; ++n) start_doomed(n);
  ASSERT_TRUE(eventually([&] { return failures_delivered() == 7; })) << daemon->log();
  auto bodies = delivered();
  EXPECT_LE(bodies.size(), 3u) << "six failures in a burst were not grouped";
  std::set<std::string> ids;
  for (const auto& b : bodies) ids.insert(b["id"].get<std::string>());
  EXPECT_EQ(ids.size(), bodies.size());

  // The daemon counts a delivery once its answer is in: poll /metrics.
  std::string sent = "sundial_alerts_sent_total{outcome=\"sent\"} " + std::to_string(bodies.size());
  std::string text;
  EXPECT_TRUE(eventually([&] {
    HttpConnection c(daemon->port());
    auto metrics = c.request("GET", "/metrics");
    text = metrics ? metrics->body : "";
    return text.find(sent) != std::string::npos;
  })) << text;
  EXPECT_NE(text.find("sundial_alerts_total{kind=\"instance_failed\"} 7"), std::string::npos);
  EXPECT_NE(text.find("sundial_alerts_sent_total{outcome=\"failed\"} 0"), std::string::npos);
  EXPECT_NE(text.find("sundial_storage_unavailable 0"), std::string::npos);
}

}  // namespace
}  // namespace sundial::testing
