// End to end over real sockets against the real sundiald: the task queues'
// HTTP contract (docs/http-api.md, "Tasks and queues"), the worker token's
// scope, long-poll claims, bad input that changes nothing, and kill -9 with
// tasks pending, leased and completed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_test.h"
#include "tests/support/http_client.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

const std::string kAdmin = "admin-token";
const std::string kWorker = "worker-token";

std::map<std::string, std::string> as(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

class TaskQueuesE2E : public DaemonTest {
 protected:
  TaskQueuesE2E() : DaemonTest({"SUNDIAL_ADMIN_TOKEN=" + kAdmin, "SUNDIAL_WORKER_TOKEN=" + kWorker}) {}

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& token = kAdmin) {
    HttpConnection c(daemon->port(), 20000);
    auto r = c.request(method, target, body, as(token));
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }
  json call_json(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& token = kAdmin, int expected = 200) {
    auto r = call(method, target, body, token);
    EXPECT_EQ(r.status, expected) << method << " " << target << " " << body << " → " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json queue(const std::string& name) {
    json all = call_json("GET", "/api/v1/queues");
    for (auto& q : all["queues"]) {
      if (q["queue"] == name) return q;
    }
    return json();
  }
};

TEST_F(TaskQueuesE2E, AWorkerClaimsAndCompletesWithItsTokenAndMayDoNothingElse) {
  json created =
      call_json("POST", "/api/v1/queues/emails/tasks",
                R"({"type":"send","payload":{"to":"ada@example.com"},"dedupe_key":"ada"})", kAdmin, 201);
  std::string id = created["task_id"];
  EXPECT_EQ(created["status"], "pending");
  json again =
      call_json("POST", "/api/v1/queues/emails/tasks", R"({"type":"send","dedupe_key":"ada"})", kAdmin, 200);
  EXPECT_EQ(again["task_id"], id);

  EXPECT_EQ(call("POST", "/api/v1/queues/emails/tasks", R"({"type":"send"})", kWorker).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/queues", "", kWorker).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/tasks/" + id, "", kWorker).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/queues/emails/claim", R"({"worker":"w1"})", "wrong").status, 401);

  json claimed = call_json("POST", "/api/v1/queues/emails/claim", R"({"worker":"w1","max":5})", kWorker);
  ASSERT_EQ(claimed["tasks"].size(), 1u) << claimed;
  json task = claimed["tasks"][0];
  EXPECT_EQ(task["task_id"], id);
  EXPECT_EQ(task["attempt"], 1);
  EXPECT_EQ(task["payload"]["to"], "ada@example.com");
  std::string lease = task["lease"];
  json beat = call_json("POST", "/api/v1/tasks/" + id + "/heartbeat", json{{"lease", lease}}.dump(), kWorker);
  EXPECT_GE(beat["lease_expires_at"].get<int64_t>(), task["lease_expires_at"].get<int64_t>());
  EXPECT_EQ(call("POST", "/api/v1/tasks/" + id + "/complete", R"({"lease":"not-it"})", kWorker).status, 409);
  json done = call_json("POST", "/api/v1/tasks/" + id + "/complete",
                        json{{"lease", lease}, {"result", {{"id", "re_1"}}}}.dump(), kWorker);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(call("POST", "/api/v1/tasks/" + id + "/complete", json{{"lease", lease}}.dump(), kWorker).status,
            409)
      << "a task completes once";
  EXPECT_EQ(call("POST", "/api/v1/tasks/nope/complete", R"({"lease":"x"})", kWorker).status, 404);

  json shown = call_json("GET", "/api/v1/tasks/" + id);
  EXPECT_EQ(shown["status"], "completed");
  EXPECT_EQ(shown["result"]["id"], "re_1");
  ASSERT_EQ(shown["attempts"].size(), 1u);
  EXPECT_EQ(shown["attempts"][0]["worker"], "w1");
  json q = queue("emails");
  EXPECT_EQ(q["completed"], 1);
  EXPECT_EQ(q["pending"], 0);
  EXPECT_EQ(q["completed_per_minute"], 1);
  EXPECT_TRUE(q["oldest_pending_age_ms"].is_null()) << q;
  std::string metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("sundial_tasks{queue=\"emails\",status=\"completed\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sundial_task_claims_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("sundial_task_completions_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("sundial_task_claim_to_complete_seconds_count 1"), std::string::npos);
}

// POST /api/v1/tasks:complete: a worker's completions in one request, each
// answered as alone; the worker token may call it; a malformed batch is
// 400 naming the item and completes nothing; what was acknowledged
// survives kill -9.
TEST_F(TaskQueuesE2E, ABatchOfCompletionsIsAnsweredPerTaskAndSurvivesKill9) {
  json batch = {{"tasks", json::array()}};
  for (int i = 0; i < 4; ++i) batch["tasks"].push_back({{"payload", i}, {"timeout", "1h"}});
  call_json("POST", "/api/v1/queues/bulk/tasks:batch", batch.dump());
  json leased = call_json("POST", "/api/v1/queues/bulk/claim", R"({"worker":"w","max":4})", kWorker)["tasks"];
  ASSERT_EQ(leased.size(), 4u);
  auto item = [&](size_t i, const std::string& lease) {
    return json{{"task_id", leased[i]["task_id"]}, {"lease", lease}, {"result", {{"i", i}}}};
  };
  // Malformed anywhere: 400 naming it, and nothing completed.
  for (const json& bad :
       {json{{"completions", {item(0, leased[0]["lease"]), {{"task_id", leased[1]["task_id"]}}}}},
        json{{"completions", {item(0, leased[0]["lease"]), {{"task_id", 7}, {"lease", "x"}}}}},
        json{
            {"completions", {item(0, leased[0]["lease"]), {{"task_id", "a"}, {"lease", "x"}, {"extra", 1}}}}},
        json{{"completions", json::array()}}, json{{"completions", {1}}}, json{{"nope", 1}}}) {
    HttpReply r = call("POST", "/api/v1/tasks:complete", bad.dump(), kWorker);
    EXPECT_EQ(r.status, 400) << bad << " → " << r.body;
  }
  // Hostile bytes: a result nested past the depth limit, bytes that are not UTF-8.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string lease0 = leased[0]["lease"];
  std::string id0 = leased[0]["task_id"];
  for (const std::string& hostile :
       {R"({"completions":[{"task_id":")" + id0 + R"(","lease":")" + lease0 + R"(","result":)" + deep + "}]}",
        R"({"completions":[{"task_id":")" + id0 + R"(","lease":")" + lease0 + "\",\"result\":\"\xff\"}]}"}) {
    HttpReply r = call("POST", "/api/v1/tasks:complete", hostile, kWorker);
    EXPECT_EQ(r.status, 400) << r.body;
  }
  json unknown = call_json("POST", "/api/v1/tasks:complete",
                           R"({"completions":[{"task_id":"a","lease":"x"}]})", kWorker);
  EXPECT_EQ(unknown["results"][0]["error"]["code"], "not_found") << "answered per item, not as a bad request";
  EXPECT_EQ(queue("bulk")["completed"], 0);
  json big = {{"completions", json::array()}};
  for (int i = 0; i < 1001; ++i) big["completions"].push_back(item(0, "x"));
  EXPECT_EQ(call("POST", "/api/v1/tasks:complete", big.dump(), kWorker).status, 400) << "more than 1,000";

  json answer = call_json("POST", "/api/v1/tasks:complete",
                          json{{"completions",
                                {item(0, leased[0]["lease"]), item(1, "stale"), item(2, leased[2]["lease"]),
                                 item(0, leased[0]["lease"])}}}
                              .dump(),
                          kWorker);
  ASSERT_EQ(answer["results"].size(), 4u) << answer;
  EXPECT_EQ(answer["results"][0]["status"], "completed");
  EXPECT_EQ(answer["results"][1]["error"]["code"], "conflict");
  EXPECT_EQ(answer["results"][1]["task_id"], leased[1]["task_id"]);
  EXPECT_EQ(answer["results"][2]["status"], "completed");
  EXPECT_EQ(answer["results"][3]["error"]["code"], "conflict") << "completed once";
  daemon->kill();
  start();
  json q = queue("bulk");
  EXPECT_EQ(q["completed"], 2);
  EXPECT_EQ(q["running"], 2);
  json t = call_json("GET", "/api/v1/tasks/" + leased[2]["task_id"].get<std::string>());
  EXPECT_EQ(t["status"], "completed");
  EXPECT_EQ(t["result"], (json{{"i", 2}}));
}

TEST_F(TaskQueuesE2E, AWaitingClaimGetsTheTaskTheMomentItIsEnqueued) {
  call_json("PUT", "/api/v1/queues/jobs", "{}");  // the queue exists, so its view shows the waiting claim
  auto waiting = std::async(std::launch::async, [&] {
    return call_json("POST", "/api/v1/queues/jobs/claim", R"({"worker":"w1","wait":"20s"})", kWorker);
  });
  // The claim is parked before the enqueue: poll the queue view for it.
  for (int i = 0; i < 500 && queue("jobs").value("waiting_claims", 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(queue("jobs")["waiting_claims"], 1);
  auto t0 = std::chrono::steady_clock::now();
  json created = call_json("POST", "/api/v1/queues/jobs/tasks", R"({"payload":7})", kAdmin, 201);
  json got = waiting.get();
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(got["tasks"].size(), 1u);
  EXPECT_EQ(got["tasks"][0]["task_id"], created["task_id"]);
  EXPECT_LT(waited, std::chrono::seconds(5)) << "answered at the enqueue, not at the end of the wait";
  json empty = call_json("POST", "/api/v1/queues/jobs/claim", R"({"worker":"w1","wait":"200ms"})", kWorker);
  EXPECT_TRUE(empty["tasks"].empty());
}

TEST_F(TaskQueuesE2E, BadTasksAre400NamingTheFieldAndEnqueueNothing) {
  struct Case {
    std::string target, body, names;
  };
  for (const auto& c : std::vector<Case>{
           {"/api/v1/queues/q/tasks", R"({"priority":-1})", "priority"},
           {"/api/v1/queues/q/tasks", R"({"priority":1.5})", "priority"},
           {"/api/v1/queues/q/tasks", R"({"delay":"soon"})", "delay"},
           {"/api/v1/queues/q/tasks", R"({"timeout":"0s"})", "timeout"},
           {"/api/v1/queues/q/tasks", R"({"max_attempts":0})", "max_attempts"},
           {"/api/v1/queues/q/tasks", R"({"backoff":{"initial":"1s","jitter":true}})", "jitter"},
           {"/api/v1/queues/q/tasks", R"({"run_at":1,"delay":"1s"})", "run_at"},
           {"/api/v1/queues/q/tasks", R"({"type":"a b"})", "type"},
           {"/api/v1/queues/q/tasks", R"({"colour":"red"})", "colour"},
           {"/api/v1/queues/q/tasks", R"({"dedupe_key":""})", "dedupe_key"},
           {"/api/v1/queues/q/tasks:batch", R"({"tasks":[{},{"priority":"high"}]})", "tasks[1].priority"},
           {"/api/v1/queues/q/tasks:batch", R"({"tasks":[]})", "tasks"},
           {"/api/v1/queues/bad%20name/tasks", R"({})", "queue name"},
           {"/api/v1/queues/q/claim", R"({"max":1})", "worker"},
           {"/api/v1/queues/q/claim", R"({"worker":"w","wait":"2m"})", "wait"},
           {"/api/v1/queues/q/claim", R"({"worker":"w","max":0})", "max"},
           {"/api/v1/queues/q/tasks", R"({"concurrency":{"key":""}})", "concurrency.key"},
           {"/api/v1/queues/q/tasks", R"({"concurrency":{"key":"k","limit":0}})", "concurrency.limit"},
           {"/api/v1/queues/q/tasks", R"({"concurrency":{"key":"k","debounce":"5s"}})", "debounce"},
           {"/api/v1/queues/q/tasks", R"({"concurrency":{"key":"k","on_busy":"drop"},"delay":"1s"})",
            "on_busy"},
           {"/api/v1/queues/q/tasks", R"({"concurrency":"k"})", "concurrency"},
       }) {
    auto r = call("POST", c.target, c.body);
    EXPECT_EQ(r.status, 400) << c.target << " " << c.body << " → " << r.body;
    EXPECT_NE(r.body.find(c.names), std::string::npos) << c.body << " → " << r.body;
  }
  EXPECT_EQ(call("POST", "/api/v1/queues/q/tasks", "{\"payload\":\"\xff\"}").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/queues/q/tasks", std::string(200000, '[')).status, 400);
  json big = {{"tasks", json::array()}};
  for (int i = 0; i < 1001; ++i) big["tasks"].push_back(json::object());
  EXPECT_EQ(call("POST", "/api/v1/queues/q/tasks:batch", big.dump()).status, 400);
  EXPECT_TRUE(queue("q").is_null()) << "nothing was enqueued: " << queue("q");
  EXPECT_EQ(call("PUT", "/api/v1/queues/q", R"({"limit":"no-such-limiter"})").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/queues/q", R"({"limit":5})").status, 400);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
}

TEST_F(TaskQueuesE2E, AcknowledgedEnqueuesLeasesAndCompletionsSurviveKill9) {
  json batch = {{"tasks", json::array()}};
  for (int i = 0; i < 200; ++i) batch["tasks"].push_back({{"payload", i}, {"timeout", "1h"}});
  json results = call_json("POST", "/api/v1/queues/work/tasks:batch", batch.dump());
  ASSERT_EQ(results["results"].size(), 200u);
  json leased = call_json("POST", "/api/v1/queues/work/claim", R"({"worker":"w1","max":50})", kWorker);
  ASSERT_EQ(leased["tasks"].size(), 50u);
  for (int i = 0; i < 20; ++i) {
    const json& t = leased["tasks"][static_cast<size_t>(i)];
    call_json("POST", "/api/v1/tasks/" + t["task_id"].get<std::string>() + "/complete",
              json{{"lease", t["lease"]}, {"result", i}}.dump(), kWorker);
  }
  daemon->kill();
  start();
  json q = queue("work");
  ASSERT_TRUE(q["oldest_pending_age_ms"].is_number()) << q;
  EXPECT_GE(q["oldest_pending_age_ms"].get<int64_t>(), 0);
  EXPECT_EQ(q["pending"], 150);
  EXPECT_EQ(q["running"], 30);
  EXPECT_EQ(q["completed"], 20);
  // A lease from before the crash still completes its task, once.
  const json& kept = leased["tasks"][20];
  std::string kept_id = kept["task_id"];
  call_json("POST", "/api/v1/tasks/" + kept_id + "/complete", json{{"lease", kept["lease"]}}.dump(), kWorker);
  EXPECT_EQ(call("POST", "/api/v1/tasks/" + leased["tasks"][0]["task_id"].get<std::string>() + "/complete",
                 json{{"lease", leased["tasks"][0]["lease"]}}.dump(), kWorker)
                .status,
            409);
  // Everything still pending comes out, each once.
  std::set<std::string> seen;
  while (true) {
    json got = call_json("POST", "/api/v1/queues/work/claim", R"({"worker":"w2","max":40})", kWorker);
    if (got["tasks"].empty()) break;
    for (const auto& t : got["tasks"]) EXPECT_TRUE(seen.insert(t["task_id"]).second) << "handed out twice";
  }
  EXPECT_EQ(seen.size(), 150u);
  json listed = call_json("GET", "/api/v1/queues/work/tasks?status=completed&limit=7");
  EXPECT_EQ(listed["tasks"].size(), 7u);
  size_t total = listed["tasks"].size();
  while (!listed["next_cursor"].is_null()) {
    listed = call_json("GET", "/api/v1/queues/work/tasks?status=completed&limit=7&cursor=" +
                                  listed["next_cursor"].get<std::string>());
    total += listed["tasks"].size();
  }
  EXPECT_EQ(total, 21u);
}

TEST_F(TaskQueuesE2E, KeyedTasksRunOneAtATimeInArrivalOrderAcrossKill9) {
  json batch = {{"tasks", json::array()}};
  for (int i = 0; i < 12; ++i) {
    batch["tasks"].push_back(
        {{"payload", i}, {"timeout", "1h"}, {"concurrency", {{"key", "k" + std::to_string(i % 3)}}}});
  }
  json results = call_json("POST", "/api/v1/queues/keyed/tasks:batch", batch.dump());
  ASSERT_EQ(results["results"].size(), 12u);
  EXPECT_EQ(results["results"][3]["status"], "queued");
  // A burst on one key: the first holds it, the second waits as the
  // follow-up, the rest fold into it.
  std::string follow_up;
  for (int i = 0; i < 5; ++i) {
    json body = {{"payload", {{"n", i}}},
                 {"timeout", "1h"},
                 {"concurrency", {{"key", "burst"}, {"on_busy", "coalesce"}}}};
    json r = call_json("POST", "/api/v1/queues/keyed/tasks", body.dump(), kAdmin, i < 2 ? 201 : 200);
    if (i == 1) follow_up = r["task_id"];
    if (i >= 2) {
      EXPECT_EQ(r["coalesced"], true) << r;
      EXPECT_EQ(r["task_id"], follow_up);
    }
  }
  json waiting = call_json("GET", "/api/v1/tasks/" + results["results"][9]["task_id"].get<std::string>());
  EXPECT_EQ(waiting["status"], "queued");
  EXPECT_EQ(waiting["concurrency"]["position"], 3) << waiting;
  json leased = call_json("POST", "/api/v1/queues/keyed/claim", R"({"worker":"w1","max":100})", kWorker);
  ASSERT_EQ(leased["tasks"].size(), 4u) << "one per key";
  daemon->kill();
  start();
  EXPECT_EQ(queue("keyed")["queued"], 10) << "9 behind the keys k0-k2, and the burst's follow-up";
  EXPECT_TRUE(
      call_json("POST", "/api/v1/queues/keyed/claim", R"({"worker":"w2","max":100})", kWorker)["tasks"]
          .empty())
      << "the leases from before the crash still hold their keys";
  std::map<std::string, std::vector<int>> order;  // key → payloads in the order they ran
  json running = leased;
  while (!running["tasks"].empty()) {
    for (const auto& t : running["tasks"]) {
      json task = call_json("GET", "/api/v1/tasks/" + t["task_id"].get<std::string>());
      std::string key = task["concurrency"]["key"];
      if (key != "burst") order[key].push_back(t["payload"].get<int>());
      if (key == "burst" && t["task_id"] == follow_up) {
        EXPECT_EQ(t["payload"], (json{{"n", 4}})) << "the latest";
      }
      call_json("POST", "/api/v1/tasks/" + t["task_id"].get<std::string>() + "/complete",
                json{{"lease", t["lease"]}}.dump(), kWorker);
    }
    running = call_json("POST", "/api/v1/queues/keyed/claim", R"({"worker":"w2","max":100})", kWorker);
    EXPECT_LE(running["tasks"].size(), 4u);
  }
  EXPECT_EQ(order["k0"], (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(order["k1"], (std::vector<int>{1, 4, 7, 10}));
  EXPECT_EQ(order["k2"], (std::vector<int>{2, 5, 8, 11}));
  json q = queue("keyed");
  EXPECT_EQ(q["completed"], 14) << q;
  EXPECT_EQ(q["queued"], 0);
}

}  // namespace
}  // namespace sundial::testing
