// HTTP crash test: several keep-alive connections drive up to 2,000 starts
// into the real sundiald; it is SIGKILLed at a random point of that run
// (after a random number of acknowledged starts in [0, 2000], so the kill
// lands anywhere from before the first answer to after the last) and
// restarted on the same data directory; every start that was answered
// 201/200 must exist. One start in ten sleeps only 0-200 ms, so timers fire
// and steps run while the kill comes: after the restart each of those must
// complete with its step journaled once. Several rounds per run, each on
// the data the previous rounds left. The kill point is counted in
// acknowledgements, not time, so a slow machine moves it no less evenly
// across the run.
//
// The same test runs the C++ bench.sleep_step and its Lua twin
// bench.lua_sleep_step (workflows/bench/): a Lua instance must survive
// kill -9 exactly like a C++ one. The Lua type runs fewer rounds, to keep
// the crash label within its time budget.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/base/kill_point.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kConnections = 4;
constexpr int kStartsPerRound = 2000;

// Acknowledged starts across the client threads, so the test thread can
// kill the daemon after a chosen number of them.
class AckCounter {
 public:
  void acked() { bump(acks_); }
  void client_done() { bump(done_); }
  // Waits until `n` starts are acknowledged or every client has stopped
  // (finished, or lost its connection).
  void wait_for(int n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return acks_ >= n || done_ == kConnections; });
  }

 private:
  void bump(int& counter) {
    std::lock_guard lock(mu_);
    ++counter;
    changed_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable changed_;
  int acks_ = 0;
  int done_ = 0;
};

struct CrashedType {
  std::string type;  // a bench.sleep_step-like type: input {"sleep_ms"}, one step "noop"
  int rounds;
  std::string label;
};
void PrintTo(const CrashedType& t, std::ostream* os) { *os << t.type; }

// Start n's sleep: one in ten 0-200 ms (it finishes during the run), the
// rest an hour.
int sleep_ms_of(int n) { return n % 10 == 0 ? (n * 37) % 201 : 3600000; }
bool finishes_soon(const std::string& id) {
  return sleep_ms_of(std::stoi(id.substr(id.rfind('-') + 1))) < 1000;
}

// Starts `type` instances "<prefix>-<n>" sleeping sleep_of(n) ms on one
// connection until it fails (the daemon died) or kStartsPerRound /
// kConnections are made: the acknowledged ids.
std::vector<std::string> drive_starts(int port, const std::string& type, const std::string& prefix,
                                      AckCounter& counter, int (*sleep_of)(int) = sleep_ms_of) {
  std::vector<std::string> acked;
  HttpConnection c(port, 5000);
  for (int n = 0; c.connected() && n < kStartsPerRound / kConnections; ++n) {
    std::string id = prefix + "-" + std::to_string(n);
    auto r = c.request("POST", "/api/v1/workflows/" + type + "/instances",
                       R"({"id":")" + id + R"(","input":{"sleep_ms":)" + std::to_string(sleep_of(n)) + "}}",
                       {{"Content-Type", "application/json"}});
    if (!r) break;  // killed
    if (r->status == 201 || r->status == 200) {
      acked.push_back(id);
      counter.acked();
    }
  }
  counter.client_done();
  return acked;
}

// One round: start the daemon, drive starts from every connection, SIGKILL
// after `kill_after` acknowledgements. Returns the acknowledged ids;
// nullopt (and a failure) when the daemon did not start.
std::optional<std::vector<std::string>> drive_and_kill(const std::string& data, const std::string& type,
                                                       int round, int kill_after) {
  DaemonProcess daemon(data);
  if (daemon.port() == 0) {
    ADD_FAILURE() << "sundiald did not start:\n" << daemon.log();
    return std::nullopt;
  }
  AckCounter counter;
  std::vector<std::vector<std::string>> per_connection(kConnections);
  std::vector<std::thread> clients;
  for (int i = 0; i < kConnections; ++i) {
    std::string prefix = "r" + std::to_string(round) + "c" + std::to_string(i);
    clients.emplace_back(
        [&, i, prefix] { per_connection[i] = drive_starts(daemon.port(), type, prefix, counter); });
  }
  counter.wait_for(kill_after);
  daemon.kill();
  for (auto& t : clients) t.join();
  std::vector<std::string> acked;
  for (auto& ids : per_connection) acked.insert(acked.end(), ids.begin(), ids.end());
  return acked;
}

// Waits until `id` completed (20 s at most) and checks its step ran once.
void expect_completed_once(HttpConnection& c, const std::string& id) {
  nlohmann::json instance;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
    auto r = c.request("GET", "/api/v1/instances/" + id);
    ASSERT_TRUE(r) << "no answer for " << id;
    instance = nlohmann::json::parse(r->body, nullptr, false);
    if (instance.is_object() && instance["status"] != "waiting" && instance["status"] != "running") break;
  }
  ASSERT_EQ(instance["status"], "completed") << id << ": " << instance.dump();
  auto history = c.request("GET", "/api/v1/instances/" + id + "/history");
  ASSERT_TRUE(history);
  size_t steps = 0;
  const auto entries = nlohmann::json::parse(history->body)["entries"];
  for (const auto& e : entries) {
    steps += e["event"] == "step_completed" && e["step"] == "noop";
  }
  EXPECT_EQ(steps, 1u) << id << ": " << history->body;
}

class HttpCrashTest : public ::testing::TestWithParam<CrashedType> {};

TEST_P(HttpCrashTest, EveryAcknowledgedStartSurvivesSigkill) {
  const CrashedType& crashed = GetParam();
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  size_t total = 0;
  size_t finished = 0;
  for (int round = 0; round < crashed.rounds; ++round) {
    const int kill_after = std::uniform_int_distribution<int>(0, kStartsPerRound)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " + std::to_string(kill_after) + " acks");
    auto acked = drive_and_kill(data, crashed.type, round, kill_after);
    ASSERT_TRUE(acked);
    total += acked->size();
    DaemonProcess restarted(data);
    ASSERT_GT(restarted.port(), 0) << restarted.log();
    HttpConnection c(restarted.port());
    for (const auto& id : *acked) {
      auto r = c.request("GET", "/api/v1/instances/" + id);
      ASSERT_TRUE(r) << "no answer for " << id;
      ASSERT_EQ(r->status, 200) << "acknowledged start " << id << " was lost: " << r->body;
    }
    for (const auto& id : *acked) {
      if (!finishes_soon(id)) continue;
      expect_completed_once(c, id);
      if (::testing::Test::HasFatalFailure()) return;
      ++finished;
    }
    int status = restarted.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << restarted.log();
  }
  EXPECT_GT(total, 0u);
  std::printf("http crash test (%s): %d rounds, %zu acknowledged starts, %zu short ones completed, seed %u\n",
              crashed.type.c_str(), crashed.rounds, total, finished, seed);
}

// The kill points (engine/base/kill_point.h) in the real sundiald: for each
// point at passes 1, 7 and 60, sundiald runs with SUNDIAL_KILL_AT while one
// connection starts short-sleep instances until it dies there; restarted,
// every acknowledged instance completes with its step journaled once
// (step.before_journal: the step ran, its result was not journaled, so it
// runs again). One data directory serves the whole sweep.
TEST_P(HttpCrashTest, AtEveryKillPointAcknowledgedStartsSurviveAndFinish) {
  const CrashedType& crashed = GetParam();
  TempDir dir;
  const std::string data = dir.sub("data");
  size_t total = 0;
  int round = 0;
  for (std::string_view point : kill_points::kAll) {
    for (int pass : {1, 7, 60}) {
      const std::string armed = std::string(point) + ":" + std::to_string(pass);
      SCOPED_TRACE("SUNDIAL_KILL_AT=" + armed);
      std::vector<std::string> acked;
      {
        DaemonProcess daemon(data, {}, {"SUNDIAL_KILL_AT=" + armed});
        if (daemon.port() > 0) {  // else it died at start-up (its own commits count)
          AckCounter ignored;
          acked = drive_starts(daemon.port(), crashed.type, "k" + std::to_string(round), ignored,
                               [](int n) { return n % 20; });
        }
        ASSERT_TRUE(daemon.wait_for_log("kill point " + std::string(point) + " pass " + std::to_string(pass) +
                                        ": SIGKILL"))
            << daemon.log();
        daemon.kill();  // reaps it
      }
      ++round;
      total += acked.size();
      DaemonProcess restarted(data);
      ASSERT_GT(restarted.port(), 0) << restarted.log();
      HttpConnection c(restarted.port());
      for (const auto& id : acked) {
        expect_completed_once(c, id);
        if (::testing::Test::HasFatalFailure()) return;
      }
      int status = restarted.stop();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << restarted.log();
    }
  }
  EXPECT_GT(total, 0u);
  std::printf("http kill point sweep (%s): %d rounds, %zu acknowledged starts completed\n",
              crashed.type.c_str(), round, total);
}

INSTANTIATE_TEST_SUITE_P(Types, HttpCrashTest,
                         ::testing::Values(CrashedType{"bench.sleep_step", 10, "Cpp"},
                                           CrashedType{"bench.lua_sleep_step", 4, "Lua"}),
                         [](const ::testing::TestParamInfo<CrashedType>& p) { return p.param.label; });

}  // namespace
}  // namespace sundial::testing
