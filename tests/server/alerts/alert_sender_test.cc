// AlertSender against a scripted receiver on a loopback port: signed POSTs,
// retries with backoff on 5xx until a 2xx (one id across attempts), giving
// up after max_attempts or on a permanent 4xx, and a capped queue.
#include "server/alerts/alert_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>

#include "server/alerts/alert_signature.h"
#include "tests/support/scripted_http_server.h"

namespace sundial::alerts {
namespace {

class AlertSenderTest : public ::testing::Test {
 protected:
  AlertDeliveryOptions options(int attempts = 5) {
    AlertDeliveryOptions o;
    o.url = receiver.base_url() + "/hook";
    o.secret = "s3cret";
    o.max_attempts = attempts;
    o.first_backoff = 10;
    o.max_backoff = 40;
    o.timeout = 5000;
    return o;
  }
  // Runs the loop until `outcomes` holds `n` reports (or 20 s).
  bool run_until(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (outcomes.size() < n && std::chrono::steady_clock::now() < deadline) loop.run_once();
    EXPECT_EQ(outcomes.size(), n);
    return outcomes.size() == n;
  }
  AlertSender::Report report() {
    return [this](DeliveryOutcome o, const std::string& id) { outcomes.emplace_back(o, id); };
  }

  testing::ScriptedHttpServer receiver;
  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  std::vector<std::pair<DeliveryOutcome, std::string>> outcomes;
};

TEST_F(AlertSenderTest, RetriesServerErrorsThenDeliversOneSignedMessage) {
  std::atomic<int> calls{0};
  receiver.script([&](const http::HttpRequest&) {
    return http::HttpResponse::json(++calls <= 2 ? 500 : 200, {{"ok", true}});
  });
  AlertSender sender(loop, clock, http, options(), report());
  sender.enqueue("alert-1", R"({"id":"alert-1"})");
  ASSERT_TRUE(run_until(1));
  EXPECT_EQ(outcomes[0], std::make_pair(DeliveryOutcome::kSent, std::string("alert-1")));
  EXPECT_EQ(sender.pending(), 0u);
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/hook");
    EXPECT_EQ(r.body, R"({"id":"alert-1"})");
    EXPECT_EQ(r.content_type(), "application/json");
    ASSERT_TRUE(r.header("sundial-alert-id"));
    EXPECT_EQ(*r.header("sundial-alert-id"), "alert-1");
    ASSERT_TRUE(r.header("sundial-signature"));
    EXPECT_TRUE(verify_alert_signature("s3cret", *r.header("sundial-signature"), r.body, clock.now_ms() / 1000));
  }
}

TEST_F(AlertSenderTest, GivesUpAfterMaxAttemptsAndGoesOnWithTheNextMessage) {
  receiver.script([](const http::HttpRequest& r) {
    return http::HttpResponse::json(r.body == "first" ? 503 : 200, {{"ok", true}});
  });
  AlertSender sender(loop, clock, http, options(3), report());
  sender.enqueue("a1", "first");
  sender.enqueue("a2", "second");
  ASSERT_TRUE(run_until(2));
  EXPECT_EQ(outcomes[0], std::make_pair(DeliveryOutcome::kFailed, std::string("a1")));
  EXPECT_EQ(outcomes[1], std::make_pair(DeliveryOutcome::kSent, std::string("a2")));
  EXPECT_EQ(receiver.requests().size(), 4u);  // 3 attempts, then 1
}

TEST_F(AlertSenderTest, APermanentAnswerIsNotRetried) {
  receiver.script([](const http::HttpRequest&) { return http::HttpResponse::json(400, {{"bad", true}}); });
  AlertSender sender(loop, clock, http, options(), report());
  sender.enqueue("a1", "{}");
  ASSERT_TRUE(run_until(1));
  EXPECT_EQ(outcomes[0].first, DeliveryOutcome::kFailed);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST_F(AlertSenderTest, AFullQueueDropsTheOldestWaitingMessage) {
  receiver.script([](const http::HttpRequest&) { return http::HttpResponse::json(200, {{"ok", true}}); });
  AlertDeliveryOptions o = options();
  o.max_pending = 2;
  AlertSender sender(loop, clock, http, o, report());
  for (int i = 1; i <= 5; ++i) sender.enqueue("a" + std::to_string(i), "{}");
  // a1 is in flight; a2 and a3 were pushed out by a4 and a5.
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0], std::make_pair(DeliveryOutcome::kDropped, std::string("a2")));
  EXPECT_EQ(outcomes[1], std::make_pair(DeliveryOutcome::kDropped, std::string("a3")));
  EXPECT_EQ(sender.pending(), 3u);
  ASSERT_TRUE(run_until(5));
  EXPECT_EQ(outcomes[4], std::make_pair(DeliveryOutcome::kSent, std::string("a5")));
}

}  // namespace
}  // namespace sundial::alerts
