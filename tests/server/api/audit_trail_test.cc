// The audit trail (server/api/audit_trail.h) in front of the admin routes
// over a real engine (ApiTest): each kind of changing call is recorded once
// with who, from where, the route, target and answer; refusals are
// recorded; reads, worker task calls and unknown tokens are not; GET
// /api/v1/audit pages newest first and filters.
#include <set>

#include "server/api/audit_trail.h"
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

constexpr const char* kClient = "10.1.2.3";

class AuditTrailTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    trail.emplace(h.engine->audit_ref(), auth, router, api::TokenNames{"ops-team", "grafana", "workers"});
  }

  // As SundialServer::handle: the trail watches, then the bearer check, then the route.
  http::HttpResponse call_as(const std::string& token, const std::string& method, const std::string& target,
                             const std::string& body = {}) {
    auto r = request(method, target, body, {{"authorization", "Bearer " + token}});
    r.peer_ip = kClient;
    http::Responder responder = sink->make_responder();
    uint64_t slot = sink->last_slot();
    trail->watch(r, responder);
    if (auto denied = auth.check(r)) {
      responder.send(std::move(*denied));
    } else {
      router.route(std::move(r), std::move(responder));
    }
    h.drain();
    for (int i = 0; i < 1000 && sink->answer(slot) == nullptr; ++i) h.loop.run_once();
    const http::HttpResponse* answer = sink->answer(slot);
    EXPECT_NE(answer, nullptr) << method << " " << target << " was not answered";
    return answer ? *answer : http::HttpResponse{};
  }
  http::HttpResponse admin(const std::string& method, const std::string& target, const std::string& body = {}) {
    return call_as("admin-t", method, target, body);
  }
  json entries(const std::string& query = "") {
    auto r = call_as("viewer-t", "GET", "/api/v1/audit?limit=1000" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["entries"];
  }

  api::BearerAuth auth{std::string("admin-t"), std::string("worker-t"), std::string("viewer-t")};
  std::optional<api::AuditTrail> trail;
};

TEST_F(AuditTrailTest, EachKindOfChangingCallIsRecordedOnceWithWhoWhatAndTheAnswer) {
  struct Call {
    std::string method, path, body, route, target;
  };
  const std::vector<Call> calls = {
      {"POST", kStart, R"({"id":"a1","input":{"email":"ada@example.com"}})",
       "POST /api/v1/workflows/{type}/instances", "a1"},
      {"POST", kStart, R"({"id":"a2"})", "POST /api/v1/workflows/{type}/instances", "a2"},
      {"POST", "/api/v1/instances/a2/signals/go", R"({"n":1})", "POST /api/v1/instances/{id}/signals/{name}", "a2"},
      {"POST", "/api/v1/instances/a1/pause", "", "POST /api/v1/instances/{id}/pause", "a1"},
      {"POST", "/api/v1/instances/a1/resume", R"({"policy":"fire"})", "POST /api/v1/instances/{id}/resume", "a1"},
      {"POST", "/api/v1/instances/a1/cancel", R"({"reason":"left"})", "POST /api/v1/instances/{id}/cancel", "a1"},
      {"POST", "/api/v1/instances/a1/retry", "", "POST /api/v1/instances/{id}/retry", "a1"},  // 409
      {"POST", "/api/v1/instances/a1/skip", "", "POST /api/v1/instances/{id}/skip", "a1"},    // 409
      {"POST", "/api/v1/instances:pause", R"({"filter":{"id_prefix":"zz"}})", "POST /api/v1/instances:pause", ""},
      {"PUT", "/api/v1/workflows/greet", "", "PUT /api/v1/workflows/{type}", "greet"},  // no script store: 404
      {"POST", "/api/v1/schedules",
       R"({"id":"s1","every":"1h","action":{"start":{"type":"test.wait"}}})", "POST /api/v1/schedules", "s1"},
      {"POST", "/api/v1/schedules/s1/pause", "", "POST /api/v1/schedules/{id}/pause", "s1"},
      {"POST", "/api/v1/queues/q1/pause", "", "POST /api/v1/queues/{queue}/pause", "q1"},
      {"POST", "/api/v1/instances/missing/pause", "", "POST /api/v1/instances/{id}/pause", "missing"},  // 404
  };
  std::vector<http::HttpResponse> answers;
  for (const Call& c : calls) {
    answers.push_back(admin(c.method, c.path, c.body));
    admin("GET", "/api/v1/instances");  // reads are not recorded
  }
  EXPECT_EQ(answers[0].status, 201);
  EXPECT_EQ(answers[2].status, 202);
  EXPECT_EQ(answers[6].status, 409);
  EXPECT_EQ(answers[10].status, 201) << answers[10].body;
  EXPECT_EQ(answers.back().status, 404);

  json all = entries();
  ASSERT_EQ(all.size(), calls.size()) << all.dump(1);
  std::set<uint64_t> seqs;
  for (size_t i = 0; i < calls.size(); ++i) {
    const json& e = all[calls.size() - 1 - i];  // newest first
    const Call& c = calls[i];
    SCOPED_TRACE(c.method + " " + c.path);
    EXPECT_EQ(e["route"], c.route);
    EXPECT_EQ(e["target"], c.target.empty() ? json(nullptr) : json(c.target));
    EXPECT_EQ(e["method"], c.method);
    EXPECT_EQ(e["role"], "admin");
    EXPECT_EQ(e["token_name"], "ops-team");
    EXPECT_EQ(e["address"], kClient);
    EXPECT_EQ(e["status"], answers[i].status);
    EXPECT_EQ(e["outcome"], answers[i].status < 400 ? "ok" : code_of(answers[i]));
    EXPECT_TRUE(e["at"].get<std::string>().ends_with("Z"));
    seqs.insert(e["seq"].get<uint64_t>());
  }
  EXPECT_EQ(seqs.size(), calls.size());
  // No request body is kept: the start's input is nowhere in the log.
  EXPECT_EQ(all.dump().find("ada@example.com"), std::string::npos);
}

TEST_F(AuditTrailTest, RefusalsAreRecordedButReadsWorkerCallsAndUnknownTokensAreNot) {
  EXPECT_EQ(admin("POST", kStart, "not json").status, 400);
  EXPECT_EQ(call_as("viewer-t", "POST", "/api/v1/instances/x/pause").status, 403);
  EXPECT_EQ(call_as("workers-t", "POST", "/api/v1/instances/x/pause").status, 401);  // unknown token
  call_as("worker-t", "POST", "/api/v1/tasks/t1/heartbeat");  // a worker's task call
  EXPECT_EQ(call_as("worker-t", "POST", "/api/v1/instances/x/cancel").status, 403);
  call_as("viewer-t", "POST", "/api/v1/stream-tokens", R"({"topic":"t"})");  // mints, changes nothing
  call_as("viewer-t", "GET", "/api/v1/instances/x");
  json all = entries();
  ASSERT_EQ(all.size(), 3u) << all.dump(1);
  EXPECT_EQ(all[2]["status"], 400);
  EXPECT_EQ(all[2]["outcome"], "bad_request");
  EXPECT_EQ(all[1]["role"], "viewer");
  EXPECT_EQ(all[1]["token_name"], "grafana");
  EXPECT_EQ(all[1]["status"], 403);
  EXPECT_EQ(all[1]["outcome"], "forbidden");
  EXPECT_EQ(all[1]["target"], "x");
  EXPECT_EQ(all[0]["role"], "worker");
  EXPECT_EQ(all[0]["token_name"], "workers");
  EXPECT_EQ(all[0]["route"], "POST /api/v1/instances/{id}/cancel");
}

TEST_F(AuditTrailTest, TheLogPagesNewestFirstAndFilters) {
  for (std::string id : {"p1", "p2", "p3"}) {
    ASSERT_EQ(admin("POST", kStart, R"({"id":")" + id + R"("})").status, 201);
    h.clock.advance(1000);
    ASSERT_EQ(admin("POST", "/api/v1/instances/" + id + "/pause").status, 200);
  }
  auto first = json_of(call_as("viewer-t", "GET", "/api/v1/audit?limit=4"));
  ASSERT_EQ(first["entries"].size(), 4u);
  EXPECT_EQ(first["entries"][0]["target"], "p3");
  ASSERT_TRUE(first["next_cursor"].is_string());
  auto second =
      json_of(call_as("viewer-t", "GET", "/api/v1/audit?limit=4&cursor=" + first["next_cursor"].get<std::string>()));
  ASSERT_EQ(second["entries"].size(), 2u);
  EXPECT_TRUE(second["next_cursor"].is_null());
  EXPECT_EQ(second["entries"][1]["route"], "POST /api/v1/workflows/{type}/instances");
  EXPECT_EQ(second["entries"][1]["target"], "p1");

  EXPECT_EQ(entries("&target=p2").size(), 2u);
  EXPECT_EQ(entries("&route=POST%20/api/v1/instances/%7Bid%7D/pause").size(), 3u);
  EXPECT_EQ(entries("&route=/api/v1/instances/%7Bid%7D/pause&target=p1").size(), 1u);
  // Before 1.5 s after the first start: p1's start and pause, p2's start.
  EXPECT_EQ(entries("&before=" + std::to_string(h.clock.now_ms() - 1500)).size(), 3u);
  EXPECT_EQ(call_as("viewer-t", "GET", "/api/v1/audit?cursor=x").status, 400);
}

}  // namespace
}  // namespace sundial::testing
