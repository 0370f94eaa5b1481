// End-to-end nurture: the real sundiald with offsets of seconds, sending
// through the fake Resend on a loopback port. Exactly one accepted send
// per (instance, email) under provider failures and SIGKILLs; pause and
// resume move the schedule.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/fake_provider.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string key_of(int user, int email) {
  return "nurture:user" + std::to_string(user) + "@example.com/send-" + std::to_string(email);
}

class NurtureTest : public ::testing::Test {
 protected:
  void write_config(const std::string& offsets, const std::string& templates = SUNDIAL_SOURCE_DIR "/templates/nurture") {
    std::ofstream(dir.sub("sundial.toml"))
        << "[server]\nwebhook_rate_per_second = 100000\nwebhook_burst = 100000\n"
        << "[resend]\nbase_url = \"" << fake.base_url() << "\"\nrate_per_second = 100000\nburst = 100000\n"
        << "timeout = \"1s\"\n"
        << "[nurture]\noffsets = " << offsets << "\ntemplates_dir = \"" << templates << "\"\n";
  }
  void start_daemon() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{"--config", dir.sub("sundial.toml")},
                                             std::vector<std::string>{"RESEND_API_KEY=re_test"});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  void TearDown() override {
    if (daemon) daemon->stop();
  }

  HttpReply post(const std::string& path, const std::string& body) {
    HttpConnection c(daemon->port());
    return c.request("POST", path, body, {{"Content-Type", "application/json"}}).value_or(HttpReply{});
  }
  void signup(int user) {
    signed_up[user] = wall_ms();
    auto r = post("/webhooks/signup", R"({"email":"User)" + std::to_string(user) + R"(@Example.com","first_name":"U)" +
                                          std::to_string(user) + R"(","red":)" + std::to_string(user % 3) + "}");
    ASSERT_TRUE(r.status == 202 || r.status == 200) << r.status << " " << r.body;
  }
  bool wait_for(const std::function<bool()>& done, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 50) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  TempDir dir;
  FakeProvider fake;
  std::unique_ptr<DaemonProcess> daemon;
  std::map<int, int64_t> signed_up;
};

TEST_F(NurtureTest, HundredsOfSignupsGetSevenEmailsEachAtTheirOffsets) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  start_daemon();
  constexpr int kUsers = 300;
  for (int u = 0; u < kUsers; ++u) signup(u);
  EXPECT_EQ(post("/webhooks/signup", R"({"email":"user1@example.com"})").status, 200);  // one per address
  EXPECT_EQ(post("/webhooks/signup", R"({"email":"not-an-email"})").status, 400);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 7u * kUsers; }, 60000))
      << fake.accepted().size() << " accepted";
  auto accepted = fake.accepted();
  EXPECT_EQ(accepted.size(), 7u * kUsers);
  EXPECT_EQ(fake.repeated_accepts(), 0u);
  for (int u = 0; u < kUsers; ++u) {
    for (int e = 1; e <= 7; ++e) {
      auto it = accepted.find(key_of(u, e));
      ASSERT_NE(it, accepted.end()) << key_of(u, e);
      int64_t late = it->second - (signed_up[u] + (e - 1) * 1000);
      EXPECT_GE(late, -100) << key_of(u, e) << " went early";
      EXPECT_LE(late, 5000) << key_of(u, e) << " went late";
    }
  }
  auto first = fake.requests().front();
  EXPECT_EQ(first.authorization, "Bearer re_test");
  EXPECT_NE(first.body["subject"].get<std::string>().find("U"), std::string::npos);
}

TEST_F(NurtureTest, ProviderFailuresStillGiveExactlyOneSendPerEmail) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  std::mt19937 rng(test_seed());
  std::map<std::string, int> attempts;
  fake.script([&](const FakeRequest& r) {
    int n = ++attempts[r.idempotency_key];
    if (n >= 3) return FakeAnswer::kOk;  // the third attempt always works
    switch (std::uniform_int_distribution<int>(0, 14)(rng)) {  // ~20% fail
      case 0: return FakeAnswer::kTooManyRequests;
      case 1: return FakeAnswer::kServerError;
      case 2: return FakeAnswer::kHang;
      default: return FakeAnswer::kOk;
    }
  });
  start_daemon();
  constexpr int kUsers = 40;
  for (int u = 0; u < kUsers; ++u) signup(u);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 7u * kUsers; }, 90000))
      << fake.accepted().size() << " accepted";
  std::map<std::string, int> per_key;
  size_t failures = 0;
  for (const auto& r : fake.requests()) {
    ++per_key[r.idempotency_key];
    failures += r.answer != FakeAnswer::kOk;
  }
  EXPECT_GT(failures, 0u);
  EXPECT_EQ(fake.accepted().size(), 7u * kUsers);
  for (const auto& [key, n] : per_key) EXPECT_LE(n, 3) << key;
}

TEST_F(NurtureTest, SigkillsNeitherLoseNorDoubleAnEmail) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  std::mt19937 rng(test_seed());
  start_daemon();
  constexpr int kUsers = 50;
  for (int u = 0; u < kUsers; ++u) signup(u);
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(rng)));
    daemon->kill();
    start_daemon();
  }
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 7u * kUsers; }, 60000))
      << fake.accepted().size() << " accepted";
  EXPECT_EQ(fake.accepted().size(), 7u * kUsers);  // one accepted send per key: none missing, none twice
  for (int u = 0; u < kUsers; ++u) {
    for (int e = 1; e <= 7; ++e) EXPECT_TRUE(fake.accepted().count(key_of(u, e))) << key_of(u, e);
  }
}

TEST_F(NurtureTest, PauseShiftsTheRestAndResumeFireSendsWhatIsOverdue) {
  write_config(R"(["0s", "2s", "4s"])");
  start_daemon();
  signup(1);
  signup(2);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().count(key_of(1, 1)) && fake.accepted().count(key_of(2, 1)); }, 10000));
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/pause", "").status, 200);
  ASSERT_EQ(post("/api/v1/instances/nurture:user2@example.com/pause", "").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_FALSE(fake.accepted().count(key_of(1, 2)));  // held while paused
  int64_t resumed = wall_ms();
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/resume", R"({"policy":"shift"})").status, 200);
  ASSERT_EQ(post("/api/v1/instances/nurture:user2@example.com/resume", R"({"policy":"fire"})").status, 200);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().count(key_of(1, 3)) && fake.accepted().count(key_of(2, 3)); }, 15000));
  auto accepted = fake.accepted();
  // fire: the overdue email 2 goes at once.
  EXPECT_LE(accepted[key_of(2, 2)] - resumed, 1500);
  // shift: email 2 keeps its distance from the pause, about 2 s after signup + ~3 s paused.
  EXPECT_GE(accepted[key_of(1, 2)] - signed_up[1], 2000 + 2500);
}

TEST_F(NurtureTest, BookingStopsTheSequenceAndALeftoverPlaceholderSendsNothing) {
  TempDir templates;
  std::ofstream(templates.sub("email-1.tmpl")) << "--- subject\nHi {{first_name}}\n--- html\n<p>one</p>\n";
  std::ofstream(templates.sub("email-2.tmpl")) << "--- subject\nHi\n--- html\n<p>{{no_such_value}}</p>\n";
  write_config(R"(["0s", "1s"])", templates.path());
  start_daemon();
  signup(1);
  signup(2);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().count(key_of(1, 1)) && fake.accepted().count(key_of(2, 1)); }, 10000));
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/signals/booked", "").status, 202);
  HttpConnection c(daemon->port());
  ASSERT_TRUE(wait_for([&] {
    auto r = c.request("GET", "/api/v1/instances/nurture:user2@example.com");
    return r && nlohmann::json::parse(r->body)["status"] == "failed";
  }, 10000));
  auto failed = c.request("GET", "/api/v1/instances/nurture:user2@example.com");
  EXPECT_NE(failed->body.find("no_such_value"), std::string::npos) << failed->body;
  ASSERT_TRUE(wait_for([&] {
    auto r = c.request("GET", "/api/v1/instances/nurture:user1@example.com");
    return r && nlohmann::json::parse(r->body)["status"] == "completed";
  }, 10000));
  EXPECT_FALSE(fake.accepted().count(key_of(1, 2)));  // booked: no more emails
  EXPECT_FALSE(fake.accepted().count(key_of(2, 2)));  // never sent with a placeholder left
}

}  // namespace
}  // namespace sundial::testing
