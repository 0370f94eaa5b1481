// End-to-end: the periodic catch-ups recipe (docs/recipes/periodic-catch-ups.md)
// as shipped in docs/examples/periodic-catch-ups — its Lua script loaded by
// the real sundiald, its Python worker (worker.py on sundial_worker.py)
// doing the work. The schedules are declared with their next fire times;
// each is fired now (trigger) rather than waited for (an hour, a night),
// and its run log shows the worker's completion; the signed webhook makes
// one rehydrate_and_analyze per parent project however often it is
// delivered while one waits; the type itself runs a full catch-up through
// the three jobs. Timed fires are the schedules e2e tests' subject.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

const std::string kExample = std::string(SUNDIAL_SOURCE_DIR) + "/docs/examples/periodic-catch-ups";
const std::string kRecipeToken = "recipe-admin-token";
const std::string kRecipeWorkerToken = "recipe-worker-token";
const std::string kRecipeSecret = "recipe-webhook-secret";

class CatchUpsRecipe : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--workflows-dir", kExample},
        std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kRecipeToken, "SUNDIAL_WORKER_TOKEN=" + kRecipeWorkerToken,
                                 "PROJECTS_WEBHOOK_SECRET=" + kRecipeSecret});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  void TearDown() override {
    worker.reset();  // SIGKILLs it if still running
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  json call(const std::string& method, const std::string& target, const std::string& body = {},
            int* status = nullptr) {
    HttpConnection c(daemon->port());
    auto reply = c.request(method, target, body,
                           {{"Authorization", "Bearer " + kRecipeToken}, {"Content-Type", "application/json"}});
    if (status != nullptr) *status = reply ? reply->status : 0;
    if (!reply) return nullptr;
    auto j = json::parse(reply->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }
  int deliver(const json& body, const std::string& delivery) {
    std::string text = body.dump();
    HttpConnection c(daemon->port());
    auto reply = c.request("POST", "/webhooks/projects", text,
                           {{"Content-Type", "application/json"},
                            {"X-Signature", "sha256=" + hmac_sha256_hex(kRecipeSecret, text)},
                            {"X-Delivery-Id", delivery}});
    return reply ? reply->status : 0;
  }
  void start_worker() {
    worker = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/env", "python3", kExample + "/worker.py", "--url",
                                 "http://127.0.0.1:" + std::to_string(daemon->port()), "--wait", "1s"},
        ChildProcess::Stderr::kMergeIntoStdout,
        std::vector<std::string>{"SUNDIAL_WORKER_TOKEN=" + kRecipeWorkerToken,
                                 "CATCH_UPS_LOG=" + dir.sub("runs.jsonl"), "PYTHONDONTWRITEBYTECODE=1"});
  }
  // Polls `read` every 50 ms until `done` or 30 s; the last value read.
  json poll(const std::function<json()>& read, const std::function<bool(const json&)>& done,
            const std::string& what) {
    json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      last = read();
      if (done(last)) return last;
    }
    ADD_FAILURE() << what << " never happened; last: " << last.dump() << "\nworker:\n"
                  << (worker ? worker->output() : "");
    return last;
  }
  // The lines worker.py logged: one per task it ran.
  std::vector<json> worker_runs() {
    std::vector<json> out;
    std::ifstream in(dir.sub("runs.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line, nullptr, false));
    return out;
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<ChildProcess> worker;
};

TEST_F(CatchUpsRecipe, SchedulesAreDeclaredWithTheirTimes) {
  json list = call("GET", "/api/v1/schedules");
  ASSERT_TRUE(list["schedules"].is_array()) << list.dump();
  std::set<std::string> ids;
  for (const auto& s : list["schedules"]) {
    ids.insert(s["id"]);
    EXPECT_EQ(s["source"], "script") << s.dump();
    EXPECT_EQ(s["script"], "catch_ups") << s.dump();
    ASSERT_EQ(s["next"].size(), 3u) << s.dump();
    auto next = s["next"][0].get<int64_t>();
    if (s["id"] == "rehydrate") {
      EXPECT_EQ(next % 3'600'000, 0) << "hourly, at minute 0";
    } else if (s["id"] == "monday-sync") {
      EXPECT_EQ(next % 900'000, 0) << "every 15 minutes (the jitter delays the fire, not the nominal time)";
    } else if (s["id"] == "backfill") {
      // 03:00 in Paris: 02:00 UTC in winter, 01:00 UTC in summer.
      int64_t hour_utc = (next / 3'600'000) % 24;
      EXPECT_TRUE(hour_utc == 1 || hour_utc == 2) << next;
      EXPECT_EQ(next % 3'600'000, 0);
      EXPECT_EQ(s["timezone"], "Europe/Paris");
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"backfill", "monday-sync", "rehydrate"}));
  // Declared by the script: the API cannot delete it, only pause it.
  int status = 0;
  call("DELETE", "/api/v1/schedules/rehydrate", "", &status);
  EXPECT_EQ(status, 409);
}

TEST_F(CatchUpsRecipe, EachJobRunsOnTheWorkerAndItsRunLogShowsTheOutcome) {
  start_worker();
  for (const std::string id : {"rehydrate", "backfill", "monday-sync"}) {
    int status = 0;
    json run = call("POST", "/api/v1/schedules/" + id + "/trigger", "", &status);
    ASSERT_EQ(status, 200) << run.dump();
    EXPECT_EQ(run["outcome"], "enqueued") << run.dump();
    std::string target = run["target_id"];
    EXPECT_EQ(target.rfind(id + "@", 0), 0u) << target;
    json runs =
        poll([&] { return call("GET", "/api/v1/schedules/" + id + "/runs"); },
             [](const json& r) { return r["runs"].size() == 1 && r["runs"][0]["outcome"] == "completed"; },
             id + "'s run completed");
    EXPECT_EQ(runs["runs"][0]["target_id"], target);
    EXPECT_TRUE(runs["runs"][0]["duration_ms"].is_number_integer()) << runs.dump();
    json task = call("GET", "/api/v1/tasks/" + target);
    EXPECT_EQ(task["result"].size(), id == "rehydrate" ? 2u : 1u) << task.dump();
  }
  auto logged = worker_runs();
  ASSERT_EQ(logged.size(), 3u);
}

TEST_F(CatchUpsRecipe, TheWebhookMakesOneAnalysisPerParentWhileOneWaits) {
  // No worker yet: the tasks wait, so later deliveries find them.
  EXPECT_EQ(deliver({{"parent_id", "p1"}, {"child", "c1"}}, "d1"), 202);
  EXPECT_EQ(deliver({{"parent_id", "p1"}, {"child", "c2"}}, "d2"), 200);  // another child, same parent
  EXPECT_EQ(deliver({{"parent_id", "p1"}, {"child", "c1"}}, "d1"), 200);  // a redelivery
  EXPECT_EQ(deliver({{"parent_id", "p2"}, {"child", "c9"}}, "d3"), 202);
  EXPECT_EQ(deliver({{"child", "orphan"}}, "d4"), 202);  // ignored: no parent
  // A forged delivery is refused.
  HttpConnection c(daemon->port());
  auto forged = c.request("POST", "/webhooks/projects", R"({"parent_id":"p3"})",
                          {{"Content-Type", "application/json"}, {"X-Signature", "sha256=00"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);

  start_worker();
  poll([&] { return json(worker_runs().size()); }, [](const json& n) { return n.get<size_t>() >= 2; },
       "two analyses");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing more may come
  std::multiset<std::string> parents;
  for (const auto& r : worker_runs()) {
    EXPECT_EQ(r["type"], "rehydrate_and_analyze");
    parents.insert(r["parent"].get<std::string>());
  }
  EXPECT_EQ(parents, (std::multiset<std::string>{"p1", "p2"}));
}

TEST_F(CatchUpsRecipe, AFullCatchUpRunsTheThreeJobsInOrder) {
  start_worker();
  int status = 0;
  json started =
      call("POST", "/api/v1/workflows/catch_ups/instances", R"({"id":"full-1","input":{}})", &status);
  ASSERT_TRUE(status == 201 || status == 200) << started.dump();
  json done = poll([&] { return call("GET", "/api/v1/instances/full-1"); },
                   [](const json& i) { return i.value("status", "") == "completed"; }, "the full catch-up");
  EXPECT_EQ(done["result"]["rehydrated"]["mode"], "full") << done.dump();
  EXPECT_EQ(done["result"]["synced"]["synced"], true) << done.dump();
  auto logged = worker_runs();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[0]["type"], "rehydrate");
  EXPECT_EQ(logged[1]["type"], "backfill");
  EXPECT_EQ(logged[2]["type"], "monday-sync");
}

}  // namespace
}  // namespace sundial::testing
