// End-to-end: the Python worker module users copy
// (tools/workers/python/sundial_worker.py, run as a command-line worker
// with --exec) against the real sundiald: two worker processes drain 50
// tasks enqueued through the admin API, each completed once with the
// result its command printed, and stop cleanly on SIGTERM without leaving
// a claim behind that leases a later task; a worker
// SIGKILLed in the middle of a task loses its lease, and the other worker
// gets the task (attempt 2) and completes it once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/daemon_test.h"
#include "tests/support/http_client.h"

namespace sundial::testing {
namespace {

const std::string kAdminToken = "e2e-admin-token";
const std::string kWorkerToken = "e2e-worker-token";
const std::string kWorkerScript = std::string(SUNDIAL_SOURCE_DIR) + "/tools/workers/python/sundial_worker.py";

// The result is the payload's n doubled, read and written with python3.
const char* const kDouble =
    R"(python3 -c 'import json, sys; p = json.load(sys.stdin); print(json.dumps({"double": p["n"] * 2}))')";

// Attempt 1 hangs for as long as the worker that runs it lives ($PPID is
// that worker: once it is SIGKILLed the loop ends, so nothing is left
// behind); any later attempt answers at once.
const char* const kHangOnFirstAttempt = R"(cat > /dev/null; if [ "$SUNDIAL_TASK_ATTEMPT" = 1 ]; then )"
                                        R"(while kill -0 $PPID 2>/dev/null; do sleep 0.1; done; exit 1; fi; )"
                                        R"(echo "{\"attempt\": $SUNDIAL_TASK_ATTEMPT}")";

class PythonWorkerE2E : public DaemonTest {
 protected:
  PythonWorkerE2E()
      : DaemonTest({"SUNDIAL_ADMIN_TOKEN=" + kAdminToken, "SUNDIAL_WORKER_TOKEN=" + kWorkerToken}) {}
  void TearDown() override {
    workers.clear();  // SIGKILLs any worker still running
    DaemonTest::TearDown();
  }

  // A command-line worker named `name` on queue `queue`; its log (stderr)
  // is kept with its stdout for failure messages.
  ChildProcess& start_worker(const std::string& name, const std::string& queue, const std::string& command) {
    std::vector<std::string> argv = {"/usr/bin/env", "python3", kWorkerScript, "--url", url(),
                                     "--queue",      queue,     "--name",      name,    "--wait",
                                     "5s",           "--exec",  command};
    workers[name] = std::make_unique<ChildProcess>(
        argv, ChildProcess::Stderr::kMergeIntoStdout,
        std::vector<std::string>{"SUNDIAL_WORKER_TOKEN=" + kWorkerToken, "PYTHONDONTWRITEBYTECODE=1"});
    return *workers[name];
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(daemon->port()); }

  // An admin call; the reply's JSON body (null when there was no reply or
  // the body is not JSON), with the status in `status`.
  nlohmann::json admin(const std::string& method, const std::string& target, const std::string& body = {},
                       int* status = nullptr) {
    HttpConnection c(daemon->port());
    auto reply =
        c.request(method, target, body,
                  {{"Authorization", "Bearer " + kAdminToken}, {"Content-Type", "application/json"}});
    if (status != nullptr) *status = reply ? reply->status : 0;
    if (!reply) return nullptr;
    auto j = nlohmann::json::parse(reply->body, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
  }

  std::string enqueue(const std::string& queue, const nlohmann::json& task) {
    int status = 0;
    auto answer = admin("POST", "/api/v1/queues/" + queue + "/tasks", task.dump(), &status);
    EXPECT_EQ(status, 201) << answer.dump();
    return answer.value("task_id", "");
  }

  // Polls `read` every 50 ms until `done` or `seconds`; the last value read.
  nlohmann::json poll(const std::function<nlohmann::json()>& read,
                      const std::function<bool(const nlohmann::json&)>& done, const std::string& what,
                      int seconds = 60) {
    nlohmann::json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      last = read();
      if (done(last)) return last;
    }
    ADD_FAILURE() << what << " never happened; last: " << last.dump() << "\nworkers:\n" << worker_logs();
    return last;
  }

  nlohmann::json queue_view(const std::string& queue) {
    auto list = admin("GET", "/api/v1/queues");
    if (list.is_object() && list["queues"].is_array()) {
      for (const auto& q : list["queues"]) {
        if (q.value("queue", "") == queue) return q;
      }
    }
    return nlohmann::json::object();
  }

  std::string worker_logs() const {
    std::string out;
    for (const auto& [name, child] : workers) out += "--- " + name + "\n" + child->output();
    return out;
  }

  std::map<std::string, std::unique_ptr<ChildProcess>> workers;
};

TEST_F(PythonWorkerE2E, TwoWorkersCompleteFiftyTasksEachOnceWithTheirResults) {
  start_worker("w1", "jobs", kDouble);
  start_worker("w2", "jobs", kDouble);
  std::map<std::string, int> n_of;  // task id -> n
  for (int n = 0; n < 50; ++n) {
    auto id = enqueue("jobs", {{"type", "double"}, {"payload", {{"n", n}}}});
    ASSERT_FALSE(id.empty());
    n_of[id] = n;
  }
  ASSERT_EQ(n_of.size(), 50u);

  auto q = poll([&] { return queue_view("jobs"); },
                [](const nlohmann::json& v) { return v.value("completed", 0) >= 50; }, "50 completions");
  EXPECT_EQ(q.value("completed", -1), 50) << q.dump();
  EXPECT_EQ(q.value("pending", -1), 0) << q.dump();
  EXPECT_EQ(q.value("running", -1), 0) << q.dump();
  EXPECT_EQ(q.value("failed", -1), 0) << q.dump();

  std::set<std::string> workers_seen;
  for (const auto& [id, n] : n_of) {
    auto task = admin("GET", "/api/v1/tasks/" + id);
    EXPECT_EQ(task["status"], "completed") << task.dump();
    EXPECT_EQ(task["result"], (nlohmann::json{{"double", n * 2}})) << task.dump();
    EXPECT_EQ(task["attempt"], 1) << task.dump();
    ASSERT_TRUE(task["attempts"].is_array()) << task.dump();
    ASSERT_EQ(task["attempts"].size(), 1u) << task.dump();
    EXPECT_EQ(task["attempts"][0]["outcome"], "completed") << task.dump();
    workers_seen.insert(task["attempts"][0].value("worker", ""));
  }
  for (const auto& w : workers_seen) EXPECT_TRUE(w == "w1" || w == "w2") << w;

  // SIGTERM: each worker abandons its waiting claim and exits 0 at once,
  // well before its 5 s long poll would have run out.
  for (auto& [name, child] : workers) {
    auto asked = std::chrono::steady_clock::now();
    int status = child->signal_and_wait(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << name << ":\n" << child->output();
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(4)) << name;
  }
  workers.clear();

  // The claims the stopped workers abandoned lease nothing: a task enqueued
  // now goes to the next worker as attempt 1 (its short timeout would have
  // made a lease given to a gone claim show up as attempt 2).
  auto late = enqueue("jobs", {{"type", "double"}, {"payload", {{"n", 100}}}, {"timeout", "1s"}});
  start_worker("w3", "jobs", kDouble);
  auto task = poll([&] { return admin("GET", "/api/v1/tasks/" + late); },
                   [](const nlohmann::json& t) { return t.value("status", "") == "completed"; },
                   "the task enqueued after the workers stopped");
  EXPECT_EQ(task["attempt"], 1) << task.dump();
  EXPECT_EQ(task["result"], (nlohmann::json{{"double", 200}})) << task.dump();
}

TEST_F(PythonWorkerE2E, AWorkerKilledMidTaskLosesItAndTheOtherWorkerCompletesItOnce) {
  start_worker("a", "slow", kHangOnFirstAttempt);
  start_worker("b", "slow", kHangOnFirstAttempt);
  auto id = enqueue("slow", {{"type", "hang"}, {"payload", {{"n", 1}}}, {"timeout", "2s"}});
  ASSERT_FALSE(id.empty());

  // Whichever worker claimed it heartbeats it while its command hangs.
  auto running =
      poll([&] { return admin("GET", "/api/v1/tasks/" + id); },
           [](const nlohmann::json& t) { return t.value("status", "") == "running"; }, "the claim");
  std::string first = running.value("worker", "");
  ASSERT_TRUE(first == "a" || first == "b") << running.dump();
  std::string second = first == "a" ? "b" : "a";
  // Held past its 2 s timeout by heartbeats: the lease outlives one timeout.
  auto first_expiry = running.value("lease_expires_at", int64_t{0});
  poll([&] { return admin("GET", "/api/v1/tasks/" + id); },
       [&](const nlohmann::json& t) {
         return t.value("status", "") == "running" && t.value("lease_expires_at", int64_t{0}) > first_expiry;
       },
       "a heartbeat extending the lease", 10);

  workers[first]->signal_and_wait(SIGKILL);

  auto done = poll([&] { return admin("GET", "/api/v1/tasks/" + id); },
                   [](const nlohmann::json& t) { return t.value("status", "") == "completed"; },
                   "completion after the lease ran out", 30);
  EXPECT_EQ(done["attempt"], 2) << done.dump();
  EXPECT_EQ(done["result"], (nlohmann::json{{"attempt", 2}})) << done.dump();
  ASSERT_TRUE(done["attempts"].is_array()) << done.dump();
  ASSERT_EQ(done["attempts"].size(), 2u) << done.dump();
  EXPECT_EQ(done["attempts"][0]["worker"], first) << done.dump();
  EXPECT_EQ(done["attempts"][0]["outcome"], "expired") << done.dump();
  EXPECT_EQ(done["attempts"][1]["worker"], second) << done.dump();
  EXPECT_EQ(done["attempts"][1]["outcome"], "completed") << done.dump();
  auto q = queue_view("slow");
  EXPECT_EQ(q.value("completed", -1), 1) << q.dump();
  EXPECT_EQ(q.value("running", -1), 0) << q.dump();
  EXPECT_EQ(q.value("pending", -1), 0) << q.dump();

  int status = workers[second]->signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << workers[second]->output();
}

}  // namespace
}  // namespace sundial::testing
