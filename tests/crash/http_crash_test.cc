// HTTP crash test: several keep-alive connections drive up to 2,000 starts
// into the real sundiald; it is SIGKILLed at a random point of that run
// (after a random number of acknowledged starts in [0, 2000], so the kill
// lands anywhere from before the first answer to after the last) and
// restarted on the same data directory; every start that was answered
// 201/200 must exist. Ten rounds per run, each on the data the previous
// rounds left. The kill point is counted in acknowledgements, not time, so
// a slow machine moves it no less evenly across the run.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kRounds = 10;
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

std::vector<std::string> drive_starts(int port, const std::string& prefix, AckCounter& counter) {
  std::vector<std::string> acked;
  HttpConnection c(port, 5000);
  for (int n = 0; c.connected() && n < kStartsPerRound / kConnections; ++n) {
    std::string id = prefix + "-" + std::to_string(n);
    auto r = c.request("POST", "/api/v1/workflows/bench.sleep_step/instances",
                       R"({"id":")" + id + R"(","input":{"sleep_ms":3600000}})",
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
std::optional<std::vector<std::string>> drive_and_kill(const std::string& data, int round, int kill_after) {
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
        [&, i, prefix] { per_connection[i] = drive_starts(daemon.port(), prefix, counter); });
  }
  counter.wait_for(kill_after);
  daemon.kill();
  for (auto& t : clients) t.join();
  std::vector<std::string> acked;
  for (auto& ids : per_connection) acked.insert(acked.end(), ids.begin(), ids.end());
  return acked;
}

TEST(HttpCrashTest, EveryAcknowledgedStartSurvivesSigkill) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  size_t total = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int kill_after = std::uniform_int_distribution<int>(0, kStartsPerRound)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " + std::to_string(kill_after) + " acks");
    auto acked = drive_and_kill(data, round, kill_after);
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
    int status = restarted.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << restarted.log();
  }
  EXPECT_GT(total, 0u);
  std::printf("http crash test: %d rounds, %zu acknowledged starts, seed %u\n", kRounds, total, seed);
}

}  // namespace
}  // namespace sundial::testing
