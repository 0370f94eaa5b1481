#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

TEST_F(ApiTest, ListsRegisteredWorkflowTypes) {
  auto r = call("GET", "/api/v1/workflows");
  ASSERT_EQ(r.status, 200);
  std::vector<std::string> types;
  auto body = json_of(r);
  for (auto& w : body["workflows"]) types.push_back(w["type"]);
  EXPECT_NE(std::find(types.begin(), types.end(), "test.wait"), types.end());
}

TEST_F(ApiTest, StartAnswersOnlyAfterTheCommit) {
  uint64_t slot = send(request("POST", kStart, R"({"id":"w1","input":{"timeout_ms":60000}})"));
  EXPECT_EQ(sink->answer(slot), nullptr);  // not durable yet
  h.drain();
  ASSERT_NE(sink->answer(slot), nullptr);
  EXPECT_EQ(sink->answer(slot)->status, 201);
  auto body = json_of(*sink->answer(slot));
  EXPECT_EQ(body["instance_id"], "w1");
  EXPECT_EQ(body["created"], true);
}

TEST_F(ApiTest, StartingAnExistingIdOrIdempotencyKeyAnswers200WithThatInstance) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"same"})").status, 201);
  auto again = call("POST", kStart, R"({"id":"same"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json_of(again)["created"], false);
  auto first = call("POST", kStart, "", {{"idempotency-key", "k1"}});
  ASSERT_EQ(first.status, 201);
  auto repeat = call("POST", kStart, "", {{"idempotency-key", "k1"}});
  EXPECT_EQ(repeat.status, 200);
  EXPECT_EQ(json_of(repeat)["instance_id"], json_of(first)["instance_id"]);
}

TEST_F(ApiTest, StartRejectsBadInput) {
  EXPECT_EQ(call("POST", "/api/v1/workflows/no.such/instances").status, 404);
  auto bad_json = call("POST", kStart, "{nope");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(code_of(bad_json), "bad_request");
  auto wrong_type = call("POST", kStart, "id=x", {{"content-type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(code_of(wrong_type), "unsupported_media_type");
  EXPECT_EQ(call("POST", kStart, R"([1,2])").status, 400);
  EXPECT_EQ(call("POST", kStart, R"({"id":7})").status, 400);
  EXPECT_EQ(call("POST", kStart, R"({"idd":"x"})").status, 400);
  EXPECT_EQ(call("POST", kStart, R"({"id":"bad id with spaces"})").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances").status, 200);
  EXPECT_TRUE(json_of(call("GET", "/api/v1/instances"))["instances"].empty());  // nothing was stored
}

// A start's own send window (docs/send-windows.md): stored whole, shown by
// describe, its wait in the history; a bad one is a 400 that stores nothing.
TEST_F(ApiTest, AStartTakesASendWindow) {
  const std::string start = "/api/v1/workflows/test.windowed/instances";
  // The ManualClock starts at 2026-01-01T00:00:00Z, outside 09:00-10:00.
  auto started = call("POST", start, R"({"id":"w","send_window":{"from":"09:00","to":"10:00"}})");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(json_of(started)["status"], "waiting");
  auto d = json_of(call("GET", "/api/v1/instances/w"));
  EXPECT_EQ(d["send_window"], (nlohmann::json{{"days", "Mon-Sun"}, {"from", "09:00"}, {"to", "10:00"}, {"timezone", "UTC"}}));
  EXPECT_EQ(d["current_step"], "send");
  EXPECT_EQ(d["window_opens_at"], h.clock.now_ms() + 9 * kHourMs);
  EXPECT_EQ(d["next_timer"], d["window_opens_at"]);
  auto history = json_of(call("GET", "/api/v1/instances/w/history"))["entries"];
  const auto& deferred = history.back();
  EXPECT_EQ(deferred["event"], "step_deferred");
  EXPECT_EQ(deferred["step"], "send");
  EXPECT_EQ(deferred["due"], d["window_opens_at"]);
  EXPECT_EQ(deferred["timezone"], "UTC");
  EXPECT_EQ(deferred["window"]["from"], "09:00");
  EXPECT_FALSE(deferred.contains("data"));

  for (const char* body : {R"({"id":"b1","send_window":5})", R"({"id":"b2","send_window":"business"})",
                           R"({"id":"b3","send_window":{"from":"25:00","to":"10:00"}})",
                           R"({"id":"b4","send_window":{"from":"09:00","to":"10:00","timezone":"Mars/Base"}})",
                           R"({"id":"b5","send_window":{"from":"09:00","to":"10:00","tz":"UTC"}})",
                           R"({"id":"b6","send_window":{"from":"09:00","to":"10:00","timezone_from":"tz"},"input":{"tz":"Nope"}})"}) {
    auto refused = call("POST", start, body);
    EXPECT_EQ(refused.status, 400) << body << ": " << refused.body;
    EXPECT_EQ(code_of(refused), "invalid_argument") << body;
  }
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances"))["instances"].size(), 1u);  // only "w"
  auto unknown = call("POST", start, R"({"sendwindow":"night"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(json_of(unknown)["error"]["message"].get<std::string>().find("unknown field 'sendwindow'"),
            std::string::npos);
}

TEST_F(ApiTest, DescribeAndHistory) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"d1","input":{"timeout_ms":60000}})").status, 201);
  auto d = call("GET", "/api/v1/instances/d1");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(json_of(d)["status"], "waiting");
  EXPECT_EQ(json_of(d)["type"], "test.wait");
  auto missing = call("GET", "/api/v1/instances/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(code_of(missing), "not_found");
  auto hist = call("GET", "/api/v1/instances/d1/history");
  ASSERT_EQ(hist.status, 200);
  EXPECT_EQ(json_of(hist)["entries"][0]["event"], "started");
}

TEST_F(ApiTest, ListFiltersAndPaginates) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(call("POST", kStart, R"({"id":"p)" + std::to_string(i) + R"("})").status, 201);
    h.clock.advance(1);
  }
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = call("GET", "/api/v1/instances?status=waiting&type=test.wait&limit=2" +
                             (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200);
    auto body = json_of(r);
    for (auto& i : body["instances"]) seen.push_back(i["id"]);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));
  EXPECT_EQ(call("GET", "/api/v1/instances?status=sleeping").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?limit=abc").status, 400);
  EXPECT_TRUE(json_of(call("GET", "/api/v1/instances?status=completed"))["instances"].empty());
  // Newest first, an id prefix, a creation window.
  auto ids_of = [&](const std::string& query) {
    std::vector<std::string> ids;
    auto r = call("GET", "/api/v1/instances?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    auto listed = json_of(r);
    for (auto& i : listed["instances"]) ids.push_back(i["id"]);
    return ids;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids_of("status=waiting&order=desc&limit=2"), (Ids{"p4", "p3"}));
  EXPECT_EQ(ids_of("id_prefix=p1"), (Ids{"p1"}));
  EXPECT_EQ(ids_of("order=desc"), (Ids{"p4", "p3", "p2", "p1", "p0"}));
  auto p1 = json_of(call("GET", "/api/v1/instances/p1"))["created_at"].get<int64_t>();
  EXPECT_EQ(ids_of("type=test.wait&created_after=" + std::to_string(p1) + "&created_before=" + std::to_string(p1 + 3)),
            (Ids{"p2", "p3"}));
  EXPECT_EQ(call("GET", "/api/v1/instances?order=newest").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?created_after=-1").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?id_prefix=" + std::string(201, 'x')).status, 400);
}

TEST_F(ApiTest, SteeringCommandsAnswerTheNewStatus) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"s1"})").status, 201);
  auto paused = call("POST", "/api/v1/instances/s1/pause");
  ASSERT_EQ(paused.status, 200);
  EXPECT_EQ(json_of(paused)["status"], "paused");
  auto again = call("POST", "/api/v1/instances/s1/pause");  // pausing twice is harmless
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json_of(again)["status"], "paused");
  EXPECT_EQ(call("POST", "/api/v1/instances/s1/resume", R"({"policy":"later"})").status, 400);
  auto resumed = call("POST", "/api/v1/instances/s1/resume", R"({"policy":"fire"})");
  ASSERT_EQ(resumed.status, 200);
  EXPECT_EQ(json_of(resumed)["status"], "waiting");
  auto cancelled = call("POST", "/api/v1/instances/s1/cancel", R"({"reason":"customer left"})");
  ASSERT_EQ(cancelled.status, 200);
  EXPECT_EQ(json_of(cancelled)["status"], "cancelled");
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/s1"))["cancel_reason"], "customer left");
  auto retry = call("POST", "/api/v1/instances/s1/retry");
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(code_of(retry), "conflict");
  EXPECT_EQ(call("POST", "/api/v1/instances/none/pause").status, 404);
}

TEST_F(ApiTest, RetryResumesAFailedInstance) {
  log.failures["call"] = {1, ErrorCode::kInvalidArgument};  // permanent on attempt 1
  ASSERT_EQ(call("POST", "/api/v1/workflows/test.flaky/instances", R"({"id":"f1"})").status, 201);
  h.fire_timers();
  ASSERT_EQ(json_of(call("GET", "/api/v1/instances/f1"))["status"], "failed");
  log.failures.clear();
  auto retried = call("POST", "/api/v1/instances/f1/retry");
  ASSERT_EQ(retried.status, 200);
  h.fire_timers();
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/f1"))["status"], "completed");
}

TEST_F(ApiTest, SignalsAreAcceptedAndDedupedByIdempotencyKey) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"g1","input":{"sleep_ms":60000}})").status, 201);
  auto sent = call("POST", "/api/v1/instances/g1/signals/go", R"({"n":1})", {{"idempotency-key", "d1"}});
  ASSERT_EQ(sent.status, 202);
  ASSERT_EQ(call("POST", "/api/v1/instances/g1/signals/go", R"({"n":1})", {{"idempotency-key", "d1"}}).status,
            202);
  size_t received = 0;
  auto history = json_of(call("GET", "/api/v1/instances/g1/history"));
  for (auto& e : history["entries"]) {
    received += e["event"] == "signal_received";
  }
  EXPECT_EQ(received, 1u);
  EXPECT_EQ(call("POST", "/api/v1/instances/g1/signals/go", "not json").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/instances/missing/signals/go").status, 404);
}

TEST_F(ApiTest, TimersAndStats) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"t1","input":{"sleep_ms":60000}})").status, 201);
  auto timers = call("GET", "/api/v1/timers?limit=10");
  ASSERT_EQ(timers.status, 200);
  ASSERT_EQ(json_of(timers)["timers"].size(), 1u);
  EXPECT_EQ(json_of(timers)["timers"][0]["instance_id"], "t1");
  EXPECT_TRUE(json_of(call("GET", "/api/v1/timers?due_before=1"))["timers"].empty());
  EXPECT_EQ(call("GET", "/api/v1/timers?limit=-1").status, 400);
  auto stats = call("GET", "/api/v1/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(json_of(stats)["instances"]["waiting"], 1);
  EXPECT_EQ(json_of(stats)["pending_timers"], 1);
  // By type, and the last hour's activity from the engine's events.
  auto counted = json_of(stats);
  EXPECT_EQ(counted["by_type"], (nlohmann::json{{"test.wait", {{"waiting", 1}}}})) << counted.dump();
  EXPECT_EQ(counted["activity"]["buckets"].size(), 60u);
  EXPECT_EQ(counted["activity"]["started"], 1);
  EXPECT_EQ(counted["activity"]["buckets"].back()["started"], 1);
  EXPECT_GE(counted["last_event_seq"].get<uint64_t>(), 1u);
}

TEST_F(ApiTest, EventsReplayFromLastEventIdThenGoLiveWithoutGapsOrRepeats) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"e1","input":{"timeout_ms":60000}})").status, 201);
  ASSERT_EQ(call("POST", kStart, R"({"id":"e2","input":{"timeout_ms":60000}})").status, 201);
  uint64_t slot = send(request("GET", "/api/v1/events", "", {{"last-event-id", "0"}}));
  h.drain();
  ASSERT_TRUE(sink->streams.count(slot));
  auto stream = sink->streams[slot];
  EXPECT_EQ(sink->answer(slot)->status, 200);
  ASSERT_EQ(call("POST", "/api/v1/instances/e1/signals/go").status, 202);  // live
  h.drain();
  std::vector<uint64_t> ids;
  std::istringstream lines(stream->data);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("id: ")) ids.push_back(std::stoull(line.substr(4)));
  }
  ASSERT_GE(ids.size(), 3u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1) << stream->data;
  EXPECT_NE(stream->data.find("event: signal_received"), std::string::npos);
  // Reconnecting after the second event gets the rest and nothing before.
  uint64_t again = send(request("GET", "/api/v1/events?since=2"));
  h.drain();
  std::string resumed = sink->streams[again]->data;
  EXPECT_EQ(resumed.find("id: 2\n"), std::string::npos);
  EXPECT_NE(resumed.find("id: 3\n"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/events?since=abc").status, 400);
}

TEST_F(ApiTest, ReadRoutesNeverReadTheStoreOnTheLoopThread) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"r1","input":{"sleep_ms":60000}})").status, 201);
  ASSERT_EQ(call("POST", kStart, R"({"id":"r2"})").status, 201);
  uint64_t before = h.engine->loop_thread_store_reads();
  for (const char* target :
       {"/api/v1/instances", "/api/v1/instances?status=waiting&limit=1", "/api/v1/instances?type=test.wait",
        "/api/v1/instances/r1", "/api/v1/instances/r1/history", "/api/v1/instances/nope", "/api/v1/timers",
        "/api/v1/stats"}) {
    auto r = call("GET", target);
    EXPECT_TRUE(r.status == 200 || r.status == 404) << target << ": " << r.status;
  }
  uint64_t stream = send(request("GET", "/api/v1/events?since=0"));
  h.drain();
  ASSERT_TRUE(sink->streams.count(stream));
  EXPECT_NE(sink->streams[stream]->data.find("id: 2\n"), std::string::npos) << "the backlog was not replayed";
  EXPECT_EQ(h.engine->loop_thread_store_reads(), before) << "a read route read the store on the loop thread";
}

TEST_F(ApiTest, AClientGoneBeforeItsQueryIsAnsweredCrashesNothing) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"g1"})").status, 201);
  for (const char* target : {"/api/v1/instances", "/api/v1/instances/g1", "/api/v1/instances/g1/history",
                             "/api/v1/timers", "/api/v1/stats"}) {
    send(request("GET", target));
  }
  sink.reset();  // the connection closes: the Responders hold it weakly
  h.drain();
  for (int i = 0; i < 100 && h.engine->queries_in_flight() > 0; ++i) h.loop.run_once();
  EXPECT_EQ(h.engine->queries_in_flight(), 0u);
  sink = std::make_shared<FakeResponseSink>();
  EXPECT_EQ(call("GET", "/api/v1/instances/g1").status, 200);
}

TEST_F(ApiTest, AnEngineClosingWithAQueryPendingCrashesNothing) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"c1"})").status, 201);
  uint64_t slot = send(request("GET", "/api/v1/instances"));
  h.close();  // drops the pending answer; its Responder says so
  const http::HttpResponse* answer = sink->answer(slot);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->status, 500);
}

TEST_F(ApiTest, RouterAnswers404And405WithAllow) {
  auto missing = call("GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  auto wrong = call("DELETE", "/api/v1/instances/x");
  EXPECT_EQ(wrong.status, 405);
  bool has_allow = false;
  for (auto& [k, v] : wrong.headers) has_allow |= k == "Allow" && v == "GET";
  EXPECT_TRUE(has_allow);
  EXPECT_EQ(router.matched_pattern("GET", "/api/v1/instances/abc/history"), "/api/v1/instances/{id}/history");
  EXPECT_EQ(router.matched_pattern("GET", "/favicon.ico"), "unmatched");
}

TEST(AuthTest, BearerTokenIsRequiredWhenConfigured) {
  api::BearerAuth auth(std::string("s3cret"));
  http::HttpRequest r;
  auto missing = auth.check(r);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  r.headers.emplace_back("authorization", "Bearer wrong");
  EXPECT_TRUE(auth.check(r));
  r.headers.back().second = "Basic s3cret";
  EXPECT_TRUE(auth.check(r));
  r.headers.back().second = "Bearer s3cret";
  EXPECT_FALSE(auth.check(r));
  api::BearerAuth open(std::nullopt);
  EXPECT_FALSE(open.check(http::HttpRequest{}));
  EXPECT_TRUE(api::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(api::is_loopback_host("::1"));
  EXPECT_FALSE(api::is_loopback_host("0.0.0.0"));
}

// Each role against every admin route: the admin token calls all of them,
// the viewer token only those that read (GET, HEAD and minting a stream
// token), the worker token only the worker routes; no token or an unknown
// one is 401. The routes come from the router, so a route added later is
// covered without touching this test.
TEST_F(ApiTest, EachRoleCallsOnlyTheRoutesItMay) {
  api::BearerAuth auth(std::string("admin-t"), std::string("worker-t"), std::string("viewer-t"));
  auto routes = router.routes();
  ASSERT_GT(routes.size(), 50u);
  std::vector<std::string> viewer_writes;
  for (const auto& [method, pattern] : routes) {
    http::HttpRequest r;
    r.method = method;
    r.path = pattern;
    for (size_t open = r.path.find('{'); open != std::string::npos; open = r.path.find('{')) {
      r.path.replace(open, r.path.find('}', open) - open + 1, "x");
    }
    const std::string what = method + " " + r.path;
    EXPECT_EQ(auth.check(r).value_or(http::HttpResponse{}).status, 401) << what;
    r.headers.emplace_back("authorization", "Bearer nobody");
    EXPECT_EQ(auth.check(r).value_or(http::HttpResponse{}).status, 401) << what;
    r.headers.back().second = "Bearer admin-t";
    EXPECT_FALSE(auth.check(r)) << what;
    r.headers.back().second = "Bearer viewer-t";
    auto viewer = auth.check(r);
    if ((method == "GET" || method == "HEAD") && pattern != "/api/v1/webhooks/{name}/verification") {
      EXPECT_FALSE(viewer) << what;
    } else if (!viewer) {
      viewer_writes.push_back(what);
    } else {
      EXPECT_EQ(viewer->status, 403) << what;
      EXPECT_NE(viewer->body.find(method == "GET" ? "the viewer token may not read what holds a secret"
                                                  : "the viewer token may only read"),
                std::string::npos)
          << what;
    }
    r.headers.back().second = "Bearer worker-t";
    auto worker = auth.check(r);
    EXPECT_EQ(!worker, api::is_worker_route(method, r.path)) << what;
    if (worker) {
      EXPECT_EQ(worker->status, 403) << what;
    }
  }
  // The one call a viewer makes that is not a GET mints a read-only token;
  // the one GET it may not make shows a webhook's signing secret.
  EXPECT_EQ(viewer_writes, std::vector<std::string>{"POST /api/v1/stream-tokens"});
  EXPECT_TRUE(std::find(routes.begin(), routes.end(),
                        std::pair<std::string, std::string>{"GET", "/api/v1/webhooks/{name}/verification"}) !=
              routes.end());
}

TEST_F(ApiTest, TheSessionRouteNamesTheCallersRole) {
  EXPECT_EQ(json_of(call("GET", "/api/v1/session"))["role"], "admin");  // no token configured
  api::BearerAuth auth(std::string("admin-t"), std::nullopt, std::string("viewer-t"));
  api::Router guarded;
  api::AdminApi with_auth{*h.engine, h.loop, 60000};
  with_auth.auth = &auth;
  api::add_admin_routes(guarded, with_auth);
  for (const auto& [token, role] : {std::pair{"admin-t", "admin"}, std::pair{"viewer-t", "viewer"}}) {
    guarded.route(request("GET", "/api/v1/session", "", {{"authorization", std::string("Bearer ") + token}}),
                  sink->make_responder());
    h.drain();
    const http::HttpResponse* answer = sink->answer(sink->last_slot());
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(json_of(*answer)["role"], role);
  }
}

TEST(AuthTest, TheSchemeMatchesInAnyCaseAndTheTokenExactly) {
  api::BearerAuth auth(std::string("s3cret"));
  http::HttpRequest r;
  r.headers.emplace_back("authorization", "");
  for (const char* ok : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR  s3cret"}) {
    r.headers.back().second = ok;
    EXPECT_FALSE(auth.check(r)) << ok;
  }
  for (const char* denied : {"bearer S3CRET", "bearers3cret", "bearer", "bearer ", "Bearerx s3cret",
                             "Basic s3cret", "bearer s3cret2", " bearer s3cret"}) {
    r.headers.back().second = denied;
    auto answer = auth.check(r);
    ASSERT_TRUE(answer) << denied;
    EXPECT_EQ(answer->status, 401) << denied;
  }
}

}  // namespace
}  // namespace sundial::testing
