// POST /api/v1/instances:pause|:resume|:cancel|:retry and the single
// instance skip and retry policy, over a real engine (ApiTest).
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

class BulkApiTest : public ApiTest {
 protected:
  void start_waiting(const std::string& id) {
    ASSERT_EQ(call("POST", kStart, R"({"id":")" + id + R"(","input":{"timeout_ms":3600000}})").status, 201);
  }
  std::string status_of(const std::string& id) { return json_of(call("GET", "/api/v1/instances/" + id))["status"]; }
  nlohmann::json bulk(const std::string& verb, const std::string& body, int expect = 200) {
    auto r = call("POST", "/api/v1/instances:" + verb, body);
    EXPECT_EQ(r.status, expect) << verb << " " << body << ": " << r.body;
    return json_of(r);
  }
};

TEST_F(BulkApiTest, PauseResumeAndCancelEveryMatchingInstance) {
  for (std::string id : {"a1", "a2", "a3", "b1"}) start_waiting(id);
  auto dry = bulk("pause", R"({"filter":{"id_prefix":"a"},"dry_run":true})");
  EXPECT_EQ(dry["matched"], 3);
  EXPECT_EQ(dry["changed"], 0);
  EXPECT_EQ(dry["dry_run"], true);
  EXPECT_EQ(status_of("a1"), "waiting");  // a dry run changes nothing

  auto paused = bulk("pause", R"({"filter":{"type":"test.wait","id_prefix":"a"}})");
  EXPECT_EQ(paused["matched"], 3);
  EXPECT_EQ(paused["changed"], 3);
  EXPECT_EQ(paused["refused"], 0);
  for (std::string id : {"a1", "a2", "a3"}) EXPECT_EQ(status_of(id), "paused");
  EXPECT_EQ(status_of("b1"), "waiting");

  auto resumed = bulk("resume", R"({"filter":{"status":"paused"},"policy":"fire"})");
  EXPECT_EQ(resumed["changed"], 3);
  EXPECT_EQ(status_of("a2"), "waiting");

  auto cancelled = bulk("cancel", R"({"filter":{},"reason":"campaign withdrawn"})");
  EXPECT_EQ(cancelled["matched"], 4);
  EXPECT_EQ(cancelled["changed"], 4);
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/b1"))["cancel_reason"], "campaign withdrawn");
  EXPECT_EQ(bulk("cancel", R"({"filter":{}})")["matched"], 0);  // nothing left to cancel
}

TEST_F(BulkApiTest, PagesThroughMoreInstancesThanOnePage) {
  for (int i = 0; i < 520; ++i) start_waiting("many-" + std::to_string(i));
  auto paused = bulk("pause", R"({"filter":{"status":"waiting"}})");
  EXPECT_EQ(paused["matched"], 520);
  EXPECT_EQ(paused["changed"], 520);
  EXPECT_EQ(json_of(call("GET", "/api/v1/stats"))["instances"]["paused"], 520);
}

TEST_F(BulkApiTest, RetryTakesAPolicyAndSkipGoesPastTheFailedStep) {
  log.failures["call"] = {1, ErrorCode::kInvalidArgument};  // permanent on attempt 1
  for (std::string id : {"f1", "f2"}) {
    ASSERT_EQ(call("POST", "/api/v1/workflows/test.flaky/instances", R"({"id":")" + id + R"("})").status, 201);
  }
  h.fire_timers();
  ASSERT_EQ(status_of("f1"), "failed");
  auto skipped = call("POST", "/api/v1/instances/f1/skip", R"({"result":{"sent":false},"reason":"bounced"})");
  ASSERT_EQ(skipped.status, 200) << skipped.body;
  h.fire_timers();
  EXPECT_EQ(status_of("f1"), "completed");
  auto history = json_of(call("GET", "/api/v1/instances/f1/history"))["entries"];
  bool found = false;
  for (auto& e : history) {
    if (e["event"] != "step_skipped") continue;
    found = true;
    EXPECT_EQ(e["step"], "call");
    EXPECT_EQ(e["result"], nlohmann::json({{"sent", false}}));
    EXPECT_EQ(e["reason"], "bounced");
  }
  EXPECT_TRUE(found) << history.dump();
  EXPECT_EQ(call("POST", "/api/v1/instances/f1/skip").status, 409);  // completed

  log.failures.clear();
  auto retried = bulk("retry", R"({"filter":{"type":"test.flaky","status":"failed"},"policy":"fire"})");
  EXPECT_EQ(retried["matched"], 1);
  EXPECT_EQ(retried["changed"], 1);
  h.fire_timers();
  EXPECT_EQ(status_of("f2"), "completed");
  EXPECT_EQ(call("POST", "/api/v1/instances/f2/retry", R"({"policy":"later"})").status, 400);
}

TEST_F(BulkApiTest, ABadRequestIsRefusedAndChangesNothing) {
  start_waiting("x1");
  EXPECT_EQ(bulk("pause", "", 400)["error"]["code"], "invalid_argument");            // no filter
  EXPECT_EQ(bulk("pause", R"({"filters":{}})", 400)["error"]["code"], "invalid_argument");  // a typo
  bulk("pause", R"({"filter":{"type":"test.wait","stat":"waiting"}})", 400);
  bulk("pause", R"({"filter":{"status":"paused"}})", 400);  // pause never changes a paused one
  bulk("resume", R"({"filter":{"status":"sleeping"}})", 400);
  bulk("pause", R"({"filter":{},"policy":"fire"})", 400);  // no policy for pause
  bulk("cancel", R"({"filter":{},"dry_run":"yes"})", 400);
  bulk("retry", R"({"filter":{"type":7}})", 400);
  bulk("retry", R"({"filter":[]})", 400);
  EXPECT_EQ(call("POST", "/api/v1/instances:explode", R"({"filter":{}})").status, 404);
  EXPECT_EQ(status_of("x1"), "waiting");
}

TEST_F(BulkApiTest, HostileBodiesAreRefusedAndChangeNothing) {
  start_waiting("h1");
  std::string deep = R"({"filter":{"type":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  EXPECT_EQ(call("POST", "/api/v1/instances:cancel", deep).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/instances:cancel", "{\"filter\":{\"id_prefix\":\"h\xff\"}}").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/instances:cancel", R"({"filter":{},"dry_run":1e999})").status, 400);
  bulk("cancel", R"({"filter":{"id_prefix":")" + std::string(201, 'h') + R"("}})", 400);
  EXPECT_EQ(call("POST", "/api/v1/instances/h1/skip", R"({"result":)" + std::string(100000, '[') + "}").status, 400);
  EXPECT_EQ(status_of("h1"), "waiting");
}

}  // namespace
}  // namespace sundial::testing
