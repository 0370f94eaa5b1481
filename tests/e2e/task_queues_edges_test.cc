// End to end against the real sundiald: the task queues at their edges
// (issue 14, the crash tester's list). A claim whose client leaves while it
// waits leases nothing; payloads and results near the 1 MiB body limit go
// through whole and one byte over is refused with nothing enqueued; a
// batch of 1,000 is claimed by one claim of 1,000; high-priority tasks
// overtake thousands of older ones (more than the in-memory window holds),
// before and after a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_test.h"
#include "tests/support/http_client.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

class TaskQueueEdgesE2E : public DaemonTest {
 protected:
  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {}) {
    HttpConnection c(daemon->port(), 20000);
    auto r = c.request(method, target, body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }
  json call_json(const std::string& method, const std::string& target, const std::string& body = {},
                 int expected = 200) {
    auto r = call(method, target, body);
    EXPECT_EQ(r.status, expected) << method << " " << target << " → " << r.body.substr(0, 300);
    return json::parse(r.body, nullptr, false);
  }
  json queue(const std::string& name) {
    json all = call_json("GET", "/api/v1/queues");
    for (auto& q : all["queues"]) {
      if (q["queue"] == name) return q;
    }
    return json();
  }
  json claim(const std::string& queue, int max, const std::string& wait = "0s") {
    return call_json("POST", "/api/v1/queues/" + queue + "/claim",
                     json{{"worker", "w"}, {"max", max}, {"wait", wait}}.dump())["tasks"];
  }
};

TEST_F(TaskQueueEdgesE2E, AClaimWhoseClientLeftWhileWaitingLeasesNothing) {
  call_json("PUT", "/api/v1/queues/jobs", "{}");
  {
    HttpConnection gone(daemon->port());
    ASSERT_TRUE(gone.send_raw(http_request_bytes("POST", "/api/v1/queues/jobs/claim",
                                                 R"({"worker":"gone","max":5,"wait":"30s"})",
                                                 {{"Content-Type", "application/json"}})));
    for (int i = 0; i < 500 && queue("jobs").value("waiting_claims", 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(queue("jobs")["waiting_claims"], 1);
  }  // closed while it waits
  json created = call_json("POST", "/api/v1/queues/jobs/tasks", R"({"payload":1,"timeout":"1h"})", 201);
  json got = claim("jobs", 5);
  ASSERT_EQ(got.size(), 1u) << "the task went to the claim whose client left";
  EXPECT_EQ(got[0]["task_id"], created["task_id"]);
  EXPECT_EQ(got[0]["attempt"], 1) << "it was leased to the gone client first";
  EXPECT_EQ(queue("jobs")["waiting_claims"], 0);
}

TEST_F(TaskQueueEdgesE2E, PayloadsAndResultsNearTheBodyLimitGoThroughWholeAndOverItNothingChanges) {
  const size_t limit = 1 << 20;
  const std::string head = R"({"payload":")", tail = R"("})";
  std::string text(limit - head.size() - tail.size(), 'p');
  text[0] = 'A';
  text[text.size() - 1] = 'Z';
  json created = call_json("POST", "/api/v1/queues/big/tasks", head + text + tail, 201);
  auto over = call("POST", "/api/v1/queues/big/tasks", head + text + "x" + tail);
  EXPECT_EQ(over.status, 413) << over.body.substr(0, 300);
  EXPECT_EQ(queue("big")["pending"], 1) << "the refused one enqueued nothing";
  json got = claim("big", 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["payload"], text) << "the payload comes back whole";
  const std::string lease = got[0]["lease"];
  const std::string id = created["task_id"];
  std::string before = R"({"lease":")" + lease + R"(","result":")";
  std::string result(limit - before.size() - tail.size(), 'r');
  auto too_big = call("POST", "/api/v1/tasks/" + id + "/complete", before + result + "r" + tail);
  EXPECT_EQ(too_big.status, 413);
  call_json("POST", "/api/v1/tasks/" + id + "/complete", before + result + tail);
  json stored = call_json("GET", "/api/v1/tasks/" + id);
  EXPECT_EQ(stored["status"], "completed");
  EXPECT_EQ(stored["result"], result);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
}

TEST_F(TaskQueueEdgesE2E, ABatchOfAThousandIsClaimedByOneClaimOfAThousandAndEachCompletesOnce) {
  json batch = {{"tasks", json::array()}};
  for (int i = 0; i < 1000; ++i)
    batch["tasks"].push_back({{"payload", {{"n", i}, {"pad", std::string(200, 'x')}}}});
  json results = call_json("POST", "/api/v1/queues/bulk/tasks:batch", batch.dump())["results"];
  ASSERT_EQ(results.size(), 1000u);
  json got = claim("bulk", 1000);
  ASSERT_EQ(got.size(), 1000u);
  HttpConnection c(daemon->port());
  std::set<std::string> ids;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["payload"]["n"], i) << "claimed in enqueue order";
    ids.insert(got[i]["task_id"].get<std::string>());
    auto r = c.request("POST", "/api/v1/tasks/" + got[i]["task_id"].get<std::string>() + "/complete",
                       json{{"lease", got[i]["lease"]}}.dump(), {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(ids.size(), 1000u);
  json q = queue("bulk");
  EXPECT_EQ(q["completed"], 1000);
  EXPECT_EQ(q["pending"], 0);
  EXPECT_TRUE(claim("bulk", 1000).empty());
}

// 3,000 ordinary tasks (three times the in-memory window), then urgent ones:
// each claim takes the urgent first, also after a restart (when the window
// is read back from disk).
TEST_F(TaskQueueEdgesE2E, PriorityOvertakesMoreOlderTasksThanMemoryHoldsAlsoAfterARestart) {
  for (int b = 0; b < 3; ++b) {
    json batch = {{"tasks", json::array()}};
    for (int i = 0; i < 1000; ++i) batch["tasks"].push_back({{"payload", b * 1000 + i}});
    call_json("POST", "/api/v1/queues/prio/tasks:batch", batch.dump());
  }
  auto urgent = [&](int from, int n) {
    json batch = {{"tasks", json::array()}};
    for (int i = 0; i < n; ++i) batch["tasks"].push_back({{"payload", -(from + i)}, {"priority", 1 + i % 3}});
    call_json("POST", "/api/v1/queues/prio/tasks:batch", batch.dump());
  };
  urgent(1, 30);
  json got = claim("prio", 40);
  ASSERT_EQ(got.size(), 40u);
  int last_priority_seen = 1000;
  for (size_t i = 0; i < 30; ++i) {
    int p = -got[i]["payload"].get<int>();
    EXPECT_GT(p, 0) << "an ordinary task before an urgent one at " << i;
    int priority = 1 + (p - 1) % 3;
    EXPECT_LE(priority, last_priority_seen) << "higher priority first";
    last_priority_seen = priority;
  }
  for (size_t i = 30; i < 40; ++i) EXPECT_EQ(got[i]["payload"], i - 30) << "then the oldest";
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  start();
  urgent(100, 5);
  got = claim("prio", 10, "5s");
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < 5; ++i) EXPECT_LT(got[i]["payload"].get<int>(), 0) << i << ": " << got.dump();
  for (size_t i = 5; i < 10; ++i) EXPECT_EQ(got[i]["payload"], i - 5 + 10) << "then the oldest left";
  json q = queue("prio");
  EXPECT_EQ(q["pending"], 3035 - 50);
  EXPECT_EQ(q["running"], 50);
}

}  // namespace
}  // namespace sundial::testing
