// End-to-end: concurrency keys in the real sundiald. 10,000 starts over
// 100 keys with limit 1 and on_busy "coalesce", from four connections at
// once, with a kill -9 halfway; then, per key, the runs' histories show
// no two runs overlapping (each began after the one before it ended) and
// the last run started with the last acknowledged input. And a debounced
// burst: one run, with the burst's last input, across a kill -9; and an id
// that runs again (id_reuse), its new run acknowledged just before a
// kill -9, with both runs readable afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

constexpr int kKeys = 100;
constexpr int kStarts = 10'000;
constexpr int kSenders = 4;

const char* const kKeyed = R"lua(
return {
  run = function(ctx, input)
    ctx:sleep("200ms")
    return input
  end,
}
)lua";

class ConcurrencyKeysE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scripts());
    std::ofstream(scripts() / "keyed.lua", std::ios::binary | std::ios::trunc) << kKeyed;
  }
  std::filesystem::path scripts() const { return std::filesystem::path(dir.sub("workflows")); }
  void start() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--workflows-dir", scripts().string()});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }

  // Sends starts [from, to): sender s owns the keys k with k % kSenders == s,
  // so each key's starts are acknowledged in order. Records each key's last
  // acknowledged n; a start the kill interrupted is not acknowledged.
  void send(int from, int to) {
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([this, s, from, to] {
        HttpConnection c(daemon->port());
        for (int n = from; n < to; ++n) {
          int key = n % kKeys;
          if (key % kSenders != s) continue;
          nlohmann::json body = {
              {"input", {{"key", key}, {"n", n}}},
              {"concurrency", {{"key", "k" + std::to_string(key)}, {"on_busy", "coalesce"}}}};
          auto reply = c.request("POST", "/api/v1/workflows/keyed/instances", body.dump(),
                                 {{"Content-Type", "application/json"}});
          if (!reply || (reply->status != 200 && reply->status != 201)) {
            std::lock_guard lock(mu);
            ADD_FAILURE() << "start " << n << ": " << (reply ? reply->body : "no reply");
            return;
          }
          std::lock_guard lock(mu);
          last_acked[key] = n;
        }
      });
    }
    for (auto& t : senders) t.join();
  }

  // Polls the stats until nothing is queued, running or waiting.
  void wait_until_idle() {
    nlohmann::json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      HttpConnection c(daemon->port());
      last = json_of(c.request("GET", "/api/v1/stats"));
      const auto& n = last["instances"];
      if (n.is_object() && n.value("queued", -1) == 0 && n.value("running", -1) == 0 &&
          n.value("waiting", -1) == 0) {
        return;
      }
    }
    FAIL() << "runs never finished: " << last.dump();
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::mutex mu;
  std::map<int, int> last_acked;
};

struct KeyedRun {
  std::string id;
  int64_t began = 0;  // its `admitted` entry, or its `started` one when it ran at once
  int64_t ended = 0;
  int n = -1;  // the input it ran with
};

TEST_F(ConcurrencyKeysE2E, TenThousandCoalescedStartsAcrossAKillNeverOverlapPerKeyAndEndOnTheLastInput) {
  start();
  send(0, kStarts / 2);
  daemon->kill();
  start();
  send(kStarts / 2, kStarts);
  ASSERT_EQ(last_acked.size(), static_cast<size_t>(kKeys));
  wait_until_idle();

  // Every run, from its record and history.
  HttpConnection c(daemon->port());
  std::map<int, std::vector<KeyedRun>> by_key;
  std::string cursor;
  size_t instances = 0;
  do {
    auto page = json_of(c.request(
        "GET", "/api/v1/instances?type=keyed&limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ASSERT_TRUE(page.is_object());
    for (const auto& inst : page["instances"]) {
      ++instances;
      ASSERT_EQ(inst["status"], "completed") << inst.dump();
      KeyedRun run{inst["id"].get<std::string>(), 0, inst["finished_at"].get<int64_t>(),
                   inst["input"]["n"].get<int>()};
      auto history = json_of(c.request("GET", "/api/v1/instances/" + run.id + "/history"));
      for (const auto& e : history["entries"]) {
        if (e["event"] == "started" || e["event"] == "admitted") run.began = e["at"].get<int64_t>();
      }
      by_key[inst["input"]["key"].get<int>()].push_back(run);
    }
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  EXPECT_LT(instances, static_cast<size_t>(kStarts)) << "coalescing folded nothing";

  for (auto& [key, runs] : by_key) {
    std::sort(runs.begin(), runs.end(),
              [](const KeyedRun& a, const KeyedRun& b) { return a.began < b.began; });
    for (size_t i = 1; i < runs.size(); ++i) {
      EXPECT_GE(runs[i].began, runs[i - 1].ended)
          << "key " << key << ": " << runs[i].id << " began before " << runs[i - 1].id << " ended";
    }
    EXPECT_EQ(runs.back().n, last_acked[key]) << "key " << key << ": the last run missed the last start";
  }
}

TEST_F(ConcurrencyKeysE2E, ADebouncedBurstBecomesOneRunWithItsLastInputAcrossAKill) {
  start();
  std::string run;
  {
    HttpConnection c(daemon->port());
    for (int n = 0; n < 20; ++n) {
      nlohmann::json body = {{"input", {{"key", 0}, {"n", n}}},
                             {"concurrency", {{"key", "debounced"}, {"debounce", "3s"}}}};
      auto reply = c.request("POST", "/api/v1/workflows/keyed/instances", body.dump(),
                             {{"Content-Type", "application/json"}});
      ASSERT_TRUE(reply);
      auto answer = json_of(reply);
      ASSERT_EQ(reply->status, n == 0 ? 201 : 200) << reply->body;
      EXPECT_EQ(answer["status"], "queued") << reply->body;
      if (n == 0) run = answer["instance_id"].get<std::string>();
      EXPECT_EQ(answer["instance_id"], run) << "start " << n << " began another burst";
      if (n > 0) {
        EXPECT_EQ(answer["coalesced"], true) << reply->body;
      }
    }
    auto described = json_of(c.request("GET", "/api/v1/instances/" + run));
    EXPECT_EQ(described["status"], "queued");
    EXPECT_TRUE(described["concurrency"]["debounce_until"].is_number_integer()) << described.dump();
  }
  daemon->kill();
  start();
  wait_until_idle();
  HttpConnection c(daemon->port());
  auto listed = json_of(c.request("GET", "/api/v1/instances?type=keyed"));
  ASSERT_EQ(listed["instances"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["instances"][0]["id"], run);
  EXPECT_EQ(listed["instances"][0]["status"], "completed");
  EXPECT_EQ(listed["instances"][0]["input"]["n"], 19);
  auto history = json_of(c.request("GET", "/api/v1/instances/" + run + "/history"));
  size_t debounced = 0;
  for (const auto& e : history["entries"]) debounced += e["event"] == "debounced";
  EXPECT_EQ(debounced, 20u) << history.dump();
}

TEST_F(ConcurrencyKeysE2E, AnIdRunsAgainAndBothRunsSurviveAKill) {
  start();
  const std::string id = "recompute:assignee-42";
  auto start_run = [&](int day, const char* reuse) {
    HttpConnection c(daemon->port());
    nlohmann::json body = {{"id", id}, {"input", {{"day", day}}}, {"id_reuse", reuse}};
    return c.request("POST", "/api/v1/workflows/keyed/instances", body.dump(),
                     {{"Content-Type", "application/json"}});
  };
  auto first = start_run(1, "allow_if_finished");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  EXPECT_EQ(json_of(first)["run"], 1);
  // Still running: the start answers with it.
  auto early = start_run(2, "allow_if_finished");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 200) << early->body;
  EXPECT_EQ(json_of(early)["run"], 1);
  wait_until_idle();
  auto second = start_run(2, "allow_if_finished");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 201) << second->body;
  EXPECT_EQ(json_of(second)["run"], 2);
  daemon->kill();  // right after the acknowledgement
  start();
  wait_until_idle();

  HttpConnection c(daemon->port());
  auto latest = json_of(c.request("GET", "/api/v1/instances/" + id));
  EXPECT_EQ(latest["run"], 2) << latest.dump();
  EXPECT_EQ(latest["status"], "completed");
  EXPECT_EQ(latest["result"]["day"], 2);
  auto first_run = json_of(c.request("GET", "/api/v1/instances/" + id + "?run=1"));
  EXPECT_EQ(first_run["run"], 1) << first_run.dump();
  EXPECT_EQ(first_run["result"]["day"], 1);
  for (int run : {1, 2}) {
    auto history =
        json_of(c.request("GET", "/api/v1/instances/" + id + "/history?run=" + std::to_string(run)));
    EXPECT_EQ(history["run"], run);
    ASSERT_FALSE(history["entries"].empty()) << history.dump();
    EXPECT_EQ(history["entries"][0]["event"], "started");
    EXPECT_EQ(history["entries"][0]["data"]["day"], run);
    EXPECT_EQ(history["entries"].back()["event"], "completed") << history.dump();
  }
  auto listed = json_of(c.request("GET", "/api/v1/instances?type=keyed"));
  EXPECT_EQ(listed["instances"].size(), 1u) << listed.dump();

  // What the routes refuse, and runs that do not exist.
  auto bad_reuse = start_run(3, "always");
  ASSERT_TRUE(bad_reuse);
  EXPECT_EQ(bad_reuse->status, 400) << bad_reuse->body;
  for (const char* run : {"0", "abc", "-1", "99999999999"}) {
    auto reply = c.request("GET", "/api/v1/instances/" + id + "?run=" + run);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 400) << run << ": " << reply->body;
  }
  auto missing = c.request("GET", "/api/v1/instances/" + id + "/history?run=3");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404) << missing->body;
  EXPECT_EQ(json_of(c.request("GET", "/api/v1/instances/" + id))["run"], 2);
}

}  // namespace
}  // namespace sundial::testing
