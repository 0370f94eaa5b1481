// Task queue crash test (issue 14, "Guarantees"): 10,000 tasks flow
// through the real sundiald while it is SIGKILLed at random moments and
// restarted on the same data directory, and while workers "die" (abandon
// the tasks they hold, which must come back once their 2 s lease is over).
//
// A producer thread enqueues the tasks one by one and in batches (one of
// 1,000), a fifth with a dedupe key, and resends some enqueues (as a
// producer does whose answer was lost: same dedupe key). Worker threads
// claim in batches with long polls, sometimes heartbeat, sometimes fail an
// attempt (retryable), and complete each task with a result naming the
// task, the worker and the lease. A request cut by a kill is sent again
// once the daemon is back (a completion with the same lease).
//
// At the end, with everything drained:
//  - every acknowledged enqueue exists;
//  - every task of the queue is completed, none pending, running, failed;
//  - each task was completed once: at most one `complete` answered 200,
//    and the stored result is that call's (or, when the 200 was lost to a
//    kill, one of the unanswered calls');
//  - no (task, attempt) was handed out twice, and the attempts make sense
//    (numbered 1..n, every one but the last expired or failed, the last
//    completed by the worker the result names);
//  - the queue's counts in GET /api/v1/queues match a full listing.
// The seed is printed (SUNDIAL_TEST_SEED replays the kill schedule and the
// workers' choices; thread timing still varies).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kTasks = 10'000;
constexpr int kWorkers = 6;
constexpr int kServerKills = 5;
const std::string kQueue = "crash";
const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

// The daemon's current port (0 while it is down), and a count of its
// restarts, for client threads that must reconnect after a kill.
class Server {
 public:
  void up(int port) {
    std::lock_guard lock(mu_);
    port_ = port;
    ++epoch_;
    changed_.notify_all();
  }
  void down() {
    std::lock_guard lock(mu_);
    port_ = 0;
    changed_.notify_all();
  }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    changed_.notify_all();
  }
  // The port to use after a connection to the daemon of `*epoch` failed:
  // the same one while that daemon may still be up, else the next daemon's
  // (waits for it). 0 once the test is over.
  int port_after_failure(int* epoch, bool connect_failed) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return finished_ || (port_ != 0 && (!connect_failed || epoch_ != *epoch)); });
    if (finished_ && port_ == 0) return 0;
    *epoch = epoch_;
    return port_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int port_ = 0;
  int epoch_ = 0;
  bool finished_ = false;
};

// A keep-alive connection that survives the daemon's deaths: a request
// whose answer is lost is sent again on a new connection to the current
// daemon, until it is answered (or the test is over: nullopt). A 503
// (recovering) is retried too.
class Client {
 public:
  explicit Client(Server& server) : server_(server) {}

  // `lost` counts the sends that got no answer (the request may have been
  // carried out).
  std::optional<HttpReply> call(const std::string& method, const std::string& target, const std::string& body,
                                int* lost = nullptr) {
    for (;;) {
      if (!conn_ || !conn_->connected()) {
        int port = server_.port_after_failure(&epoch_, conn_ != nullptr);
        if (port == 0) return std::nullopt;
        conn_ = std::make_unique<HttpConnection>(port, 5000);
        if (!conn_->connected()) continue;
      }
      auto r = conn_->request(method, target, body, kJson);
      if (!r) {
        if (lost) ++*lost;
        conn_.reset();
        continue;
      }
      if (r->status == 503) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the daemon is recovering
        continue;
      }
      return r;
    }
  }

 private:
  Server& server_;
  int epoch_ = 0;
  std::unique_ptr<HttpConnection> conn_;
};

// What the clients saw, shared by every thread.
struct Ledger {
  std::mutex mu;
  std::map<std::string, std::set<int>> acked;  // task id → the logical tasks (n) its enqueues named
  std::set<int> acked_n;                       // logical tasks with an acknowledged enqueue
  struct Task {
    int ok = 0;                    // `complete` answered 200
    int conflicts = 0;             // `complete` answered 409
    json ok_result;                // the result sent with the 200
    std::vector<json> unanswered;  // results of completes whose answer was lost
    std::set<uint32_t> attempts;   // attempts handed out by claims
    int handed_twice = 0;          // a claim answered an attempt already handed out
  };
  std::map<std::string, Task> tasks;
  std::atomic<int> completed{0};  // 200s
  std::atomic<int> abandoned{0};
  std::atomic<int> failed_attempts{0};
  std::atomic<int> lost_answers{0};
};

json task_spec(int n, std::mt19937& rng) {
  json t = {{"type", n % 3 == 0 ? "b" : "a"},
            {"payload", {{"n", n}}},
            {"timeout", "2s"},
            {"backoff", "200ms"},
            {"max_attempts", 1000}};
  if (n % 5 == 0) t["dedupe_key"] = "k" + std::to_string(n);
  if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) t["priority"] = 5;
  return t;
}

void record_ack(Ledger& ledger, const std::string& id, int n) {
  std::lock_guard lock(ledger.mu);
  ledger.acked[id].insert(n);
  ledger.acked_n.insert(n);
}

// Enqueues tasks 0..kTasks-1: runs of singles and batches (one of 1,000),
// resending one dedupe-keyed enqueue in twenty.
void produce(Server& server, Ledger& ledger, unsigned seed) {
  std::mt19937 rng(seed);
  Client c(server);
  int n = 0;
  bool big_batch_done = false;
  while (n < kTasks) {
    int kind = std::uniform_int_distribution<int>(0, 9)(rng);
    if (kind < 3) {  // one task
      json t = task_spec(n, rng);
      auto r = c.call("POST", "/api/v1/queues/" + kQueue + "/tasks", t.dump());
      if (!r) return;
      EXPECT_TRUE(r->status == 201 || r->status == 200) << r->status << " " << r->body;
      if (r->status == 201 || r->status == 200) {
        record_ack(ledger, json::parse(r->body)["task_id"].get<std::string>(), n);
        if (t.contains("dedupe_key") && std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
          auto again = c.call("POST", "/api/v1/queues/" + kQueue + "/tasks", t.dump());
          if (!again) return;
          EXPECT_TRUE(again->status == 200 || again->status == 201) << again->body;
          if (again->status == 200 || again->status == 201) {
            record_ack(ledger, json::parse(again->body)["task_id"].get<std::string>(), n);
          }
        }
      }
      ++n;
      continue;
    }
    int size = !big_batch_done && n > kTasks / 3 ? 1000 : std::uniform_int_distribution<int>(2, 150)(rng);
    if (size == 1000) big_batch_done = true;
    size = std::min(size, kTasks - n);
    json batch = {{"tasks", json::array()}};
    for (int i = 0; i < size; ++i) batch["tasks"].push_back(task_spec(n + i, rng));
    auto r = c.call("POST", "/api/v1/queues/" + kQueue + "/tasks:batch", batch.dump());
    if (!r) return;
    EXPECT_EQ(r->status, 200) << r->body;
    if (r->status == 200) {
      json results = json::parse(r->body)["results"];
      EXPECT_EQ(results.size(), static_cast<size_t>(size));
      for (int i = 0; i < size && i < static_cast<int>(results.size()); ++i) {
        record_ack(ledger, results[static_cast<size_t>(i)]["task_id"].get<std::string>(), n + i);
      }
    }
    n += size;
  }
}

// Claims and completes until `stop`; dies now and then (abandons what it
// holds and comes back under a new name).
void work(Server& server, Ledger& ledger, int index, unsigned seed, const std::atomic<bool>& stop) {
  std::mt19937 rng(seed);
  Client c(server);
  int life = 0;
  auto name = [&] { return "w" + std::to_string(index) + "." + std::to_string(life); };
  auto roll = [&](int one_in) { return std::uniform_int_distribution<int>(0, one_in - 1)(rng) == 0; };
  while (!stop) {
    json claim = {
        {"worker", name()}, {"max", std::uniform_int_distribution<int>(1, 25)(rng)}, {"wait", "1s"}};
    if (index == 0) claim["types"] = {"a"};
    auto r = c.call("POST", "/api/v1/queues/" + kQueue + "/claim", claim.dump());
    if (!r) return;
    if (r->status != 200) {
      ADD_FAILURE() << "claim: " << r->status << " " << r->body;
      return;
    }
    json tasks = json::parse(r->body)["tasks"];
    {
      std::lock_guard lock(ledger.mu);
      for (const auto& t : tasks) {
        auto& seen = ledger.tasks[t["task_id"]];
        if (!seen.attempts.insert(t["attempt"].get<uint32_t>()).second) ++seen.handed_twice;
      }
    }
    for (const auto& t : tasks) {
      if (stop) break;
      const std::string id = t["task_id"];
      const std::string lease = t["lease"];
      if (roll(150)) {  // dies holding the rest of its batch
        ledger.abandoned += 1;
        ++life;
        break;
      }
      if (roll(10)) {
        auto beat = c.call("POST", "/api/v1/tasks/" + id + "/heartbeat", json{{"lease", lease}}.dump());
        if (!beat) return;
        EXPECT_TRUE(beat->status == 200 || beat->status == 409) << beat->body;
      }
      if (roll(60)) {
        auto failed = c.call("POST", "/api/v1/tasks/" + id + "/fail",
                             json{{"lease", lease}, {"error", "flaky"}, {"retry_after", "0s"}}.dump());
        if (!failed) return;
        EXPECT_TRUE(failed->status == 200 || failed->status == 409) << failed->body;
        if (failed->status == 200) {
          EXPECT_EQ(json::parse(failed->body)["status"], "pending") << failed->body;
          ledger.failed_attempts += 1;
        }
        continue;
      }
      json result = {{"task", id}, {"worker", name()}, {"lease", lease}, {"n", t["payload"]["n"]}};
      int lost = 0;
      auto done = c.call("POST", "/api/v1/tasks/" + id + "/complete",
                         json{{"lease", lease}, {"result", result}}.dump(), &lost);
      if (!done) return;
      std::lock_guard lock(ledger.mu);
      auto& seen = ledger.tasks[id];
      if (lost > 0) {
        seen.unanswered.push_back(result);
        ledger.lost_answers += 1;
      }
      if (done->status == 200) {
        ++seen.ok;
        seen.ok_result = result;
        ledger.completed += 1;
      } else if (done->status == 409) {
        ++seen.conflicts;
      } else {
        ADD_FAILURE() << "complete " << id << ": " << done->status << " " << done->body;
      }
    }
  }
}

// Every task of the queue, from a full listing (pages of 1,000).
std::vector<json> list_all(HttpConnection& c) {
  std::vector<json> out;
  std::string cursor;
  for (;;) {
    std::string target = "/api/v1/queues/" + kQueue + "/tasks?limit=1000";
    if (!cursor.empty()) target += "&cursor=" + cursor;
    auto r = c.request("GET", target);
    if (!r || r->status != 200) {
      ADD_FAILURE() << "listing failed: " << (r ? r->body : "no answer");
      return out;
    }
    json page = json::parse(r->body);
    for (auto& t : page["tasks"]) out.push_back(std::move(t));
    if (page["next_cursor"].is_null()) return out;
    cursor = page["next_cursor"];
  }
}

// The queue's view in GET /api/v1/queues; null when it cannot be had.
json queue_view(int port) {
  HttpConnection c(port);
  auto r = c.request("GET", "/api/v1/queues");
  if (!r || r->status != 200) {
    ADD_FAILURE() << "GET /api/v1/queues: " << (r ? r->body : "no answer");
    return json();
  }
  json all = json::parse(r->body);
  for (auto& q : all["queues"]) {
    if (q["queue"] == kQueue) return q;
  }
  ADD_FAILURE() << "no queue '" << kQueue << "' in " << r->body;
  return json();
}

// Checks one task's record (with its attempts) against what the clients saw.
void check_task(const json& t, const Ledger::Task* seen) {
  const std::string id = t["task_id"];
  SCOPED_TRACE("task " + id + ": " + t.dump());
  ASSERT_EQ(t["status"], "completed");
  ASSERT_NE(seen, nullptr) << "completed, but no worker ever held it";
  EXPECT_EQ(seen->handed_twice, 0) << "an attempt was handed out twice";
  EXPECT_LE(seen->ok, 1) << "completed more than once";
  const json& result = t["result"];
  if (seen->ok == 1) {
    EXPECT_EQ(result, seen->ok_result) << "the stored result is not the one answered 200";
  } else {
    bool among_lost =
        std::find(seen->unanswered.begin(), seen->unanswered.end(), result) != seen->unanswered.end();
    EXPECT_TRUE(among_lost) << "completed without any complete answered 200 or cut by a kill";
  }
  const json& attempts = t["attempts"];
  ASSERT_TRUE(attempts.is_array() && !attempts.empty());
  uint32_t attempt = t["attempt"];
  EXPECT_GE(attempt, 1u);
  if (attempt <= 50) {
    EXPECT_EQ(attempts.size(), attempt) << "one entry per attempt";
  }
  for (size_t i = 0; i < attempts.size(); ++i) {
    const json& a = attempts[i];
    EXPECT_EQ(a["attempt"], attempt - attempts.size() + i + 1);
    bool last = i + 1 == attempts.size();
    if (last) {
      EXPECT_EQ(a["outcome"], "completed");
      EXPECT_EQ(a["worker"], result["worker"]) << "the result's worker did not hold the last attempt";
    } else {
      EXPECT_TRUE(a["outcome"] == "expired" || a["outcome"] == "failed") << a.dump();
    }
    EXPECT_LE(a["started_at"].get<int64_t>(), a["ended_at"].get<int64_t>());
  }
  EXPECT_TRUE(seen->attempts.contains(attempt)) << "the completed attempt was never handed to a worker";
}

TEST(TaskCrashTest, TenThousandTasksCompleteExactlyOnceThroughKillsOfServerAndWorkers) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  const auto began = Clock::now();
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  Server server;
  Ledger ledger;
  std::atomic<bool> stop{false};

  auto daemon = std::make_unique<DaemonProcess>(data);
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  server.up(daemon->port());

  std::thread producer([&, s = rng()] { produce(server, ledger, s); });
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&, i, s = rng()] { work(server, ledger, i, s, stop); });
  }

  // Kill after a random number of 200 completions each (sorted), so the
  // kills spread over the run whatever the machine's speed; now and then a
  // second kill soon after a restart, while it recovers.
  std::vector<int> kill_at;
  for (int i = 0; i < kServerKills; ++i)
    kill_at.push_back(std::uniform_int_distribution<int>(0, kTasks - 500)(rng));
  std::sort(kill_at.begin(), kill_at.end());
  int kills = 0;
  for (int at : kill_at) {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (ledger.completed < at && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_LT(Clock::now(), deadline)
        << "stuck at " << ledger.completed << " completions before kill " << kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 30)(rng)));
    daemon->kill();
    server.down();
    ++kills;
    daemon = std::make_unique<DaemonProcess>(data);
    ASSERT_GT(daemon->port(), 0) << daemon->log();
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {  // again, while it recovers
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 50)(rng)));
      daemon->kill();
      ++kills;
      daemon = std::make_unique<DaemonProcess>(data);
      ASSERT_GT(daemon->port(), 0) << daemon->log();
    }
    server.up(daemon->port());
  }
  producer.join();

  // Drain: until nothing is pending or running (abandoned leases run out).
  json q;
  for (auto deadline = Clock::now() + std::chrono::seconds(60); Clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    q = queue_view(daemon->port());
    if (!q.is_object() || (q["pending"] == 0 && q["running"] == 0)) break;
  }
  stop = true;
  for (auto& w : workers) w.join();
  server.finish();
  ASSERT_TRUE(q.is_object()) << ledger.completed << " completions";
  HttpConnection c(daemon->port());
  ASSERT_EQ(q["pending"], 0) << "tasks stuck pending: " << q.dump();
  ASSERT_EQ(q["running"], 0) << "tasks stuck running: " << q.dump();

  std::vector<json> all = list_all(c);
  std::map<std::string, size_t> by_status;
  std::set<std::string> ids;
  std::set<int> ns;
  for (const auto& t : all) {
    by_status[t["status"]]++;
    ids.insert(t["task_id"]);
    ns.insert(t["payload"]["n"].get<int>());
  }
  EXPECT_EQ(ids.size(), all.size()) << "a task listed twice";
  for (const char* s : {"pending", "running", "completed", "failed", "cancelled"}) {
    EXPECT_EQ(q[s].get<size_t>(), by_status[s]) << "queue count of " << s << " vs the listing: " << q.dump();
  }
  EXPECT_EQ(by_status["completed"], all.size());
  {
    std::lock_guard lock(ledger.mu);
    for (const auto& [id, n] : ledger.acked)
      EXPECT_TRUE(ids.contains(id)) << "acknowledged enqueue " << id << " lost";
    EXPECT_EQ(ledger.acked_n.size(), static_cast<size_t>(kTasks)) << "an enqueue was never acknowledged";
    EXPECT_EQ(ns.size(), static_cast<size_t>(kTasks));
  }
  size_t completed_via_lost_answer = 0;
  for (const auto& listed : all) {
    const std::string id = listed["task_id"];
    auto r = c.request("GET", "/api/v1/tasks/" + id);
    ASSERT_TRUE(r && r->status == 200) << id;
    std::lock_guard lock(ledger.mu);
    auto it = ledger.tasks.find(id);
    const Ledger::Task* seen = it == ledger.tasks.end() ? nullptr : &it->second;
    check_task(json::parse(r->body), seen);
    if (seen && seen->ok == 0) ++completed_via_lost_answer;
    if (::testing::Test::HasFatalFailure()) return;
  }
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  std::printf(
      "task crash test: %zu tasks (%d enqueued), %d SIGKILLs of sundiald, %d worker deaths, %d failed "
      "attempts, %d answers lost to kills, %zu completions whose 200 was lost, %.1f s, seed %u\n",
      all.size(), kTasks, kills, ledger.abandoned.load(), ledger.failed_attempts.load(),
      ledger.lost_answers.load(), completed_via_lost_answer, seconds, seed);
}

}  // namespace
}  // namespace sundial::testing
