// HTTP crash test: several keep-alive connections drive starts into the real
// sundiald; it is SIGKILLed at a random moment and restarted on the same
// data directory; every start that was answered 201/200 must exist. Ten
// rounds per run, each on the data the previous rounds left.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
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

std::vector<std::string> drive_starts(int port, const std::string& prefix, std::atomic<bool>& stop) {
  std::vector<std::string> acked;
  HttpConnection c(port, 5000);
  if (!c.connected()) return acked;
  for (int n = 0; n < kStartsPerRound / kConnections && !stop; ++n) {
    std::string id = prefix + "-" + std::to_string(n);
    auto r = c.request("POST", "/api/v1/workflows/bench.sleep_step/instances",
                       R"({"id":")" + id + R"(","input":{"sleep_ms":3600000}})",
                       {{"Content-Type", "application/json"}});
    if (!r) break;  // killed
    if (r->status == 201 || r->status == 200) acked.push_back(id);
  }
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
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<std::string> acked;
    {
      DaemonProcess daemon(data);
      ASSERT_GT(daemon.port(), 0) << daemon.log();
      std::atomic<bool> stop{false};
      std::vector<std::vector<std::string>> per_connection(kConnections);
      std::vector<std::thread> clients;
      for (int i = 0; i < kConnections; ++i) {
        clients.emplace_back([&, i] {
          per_connection[i] = drive_starts(
              daemon.port(), "r" + std::to_string(round) + "c" + std::to_string(i), stop);
        });
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 300)(rng)));
      daemon.kill();
      stop = true;
      for (auto& t : clients) t.join();
      for (auto& ids : per_connection) acked.insert(acked.end(), ids.begin(), ids.end());
    }
    total += acked.size();
    DaemonProcess restarted(data);
    ASSERT_GT(restarted.port(), 0) << restarted.log();
    HttpConnection c(restarted.port());
    for (const auto& id : acked) {
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
