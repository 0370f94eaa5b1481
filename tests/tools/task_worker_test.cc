// The C++ reference worker (tools/workers/cpp/): the protocol's request
// bytes and answer parsing, and TaskWorker against a scripted loopback
// server (claims, completions, a stale lease, a failing handler,
// heartbeats, a server that answers garbage).
#include "tools/workers/cpp/task_worker.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>

#include <atomic>
#include <string>

#include "tests/support/scripted_http_server.h"
#include "tools/workers/cpp/task_protocol.h"

namespace sundial::worker {
namespace {

using nlohmann::json;
using testing::ScriptedHttpServer;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

TEST(TaskProtocol, RequestsAreKeepAlivePostsWithTheirBodies) {
  ClaimOptions o{"w1", 10, "5s", {"email"}};
  std::string r = claim_request("emails", o, std::string("tok"));
  EXPECT_TRUE(r.starts_with("POST /api/v1/queues/emails/claim HTTP/1.1\r\n"));
  EXPECT_NE(r.find("Authorization: Bearer tok\r\n"), std::string::npos);
  std::string body = body_of(r);
  EXPECT_NE(r.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_EQ(json::parse(body), (json{{"worker", "w1"}, {"max", 10}, {"wait", "5s"}, {"types", {"email"}}}));
  EXPECT_EQ(claim_request("q", o, std::nullopt).find("Authorization"), std::string::npos);

  // Ids are path segments: '/' and spaces are encoded.
  EXPECT_TRUE(complete_request("a/b c", "L", nullptr, std::nullopt)
                  .starts_with("POST /api/v1/tasks/a%2Fb%20c/complete HTTP/1.1\r\n"));
  EXPECT_EQ(json::parse(body_of(complete_request("t", "L", json{{"x", 1}}, std::nullopt))),
            (json{{"lease", "L"}, {"result", {{"x", 1}}}}));
  EXPECT_EQ(json::parse(body_of(heartbeat_request("t", "L", std::nullopt))), (json{{"lease", "L"}}));
  // A handler's message that is not UTF-8 is sent, not thrown.
  std::string fail = fail_request("t", "L", std::string("bad \xff byte"), false, "10s", std::nullopt);
  json fj = json::parse(body_of(fail));
  EXPECT_EQ(fj["retryable"], false);
  EXPECT_EQ(fj["retry_after"], "10s");
  EXPECT_TRUE(fj["error"].get<std::string>().starts_with("bad "));
  json batch = json::parse(body_of(enqueue_batch_request("q", {json{{"payload", 1}}, json{}}, std::nullopt)));
  EXPECT_EQ(batch["tasks"].size(), 2u);
}

TEST(TaskProtocol, ParsesAClaim) {
  auto tasks = parse_claim(200, R"({"tasks":[{"task_id":"t1","type":"email","payload":{"to":"a"},
      "attempt":2,"lease":"L1","lease_expires_at":1795358950848}]})");
  ASSERT_TRUE(tasks) << tasks.error().message;
  ASSERT_EQ(tasks->size(), 1u);
  const ClaimedTask& t = tasks->front();
  EXPECT_EQ(t.task_id, "t1");
  EXPECT_EQ(t.type, "email");
  EXPECT_EQ(t.payload, (json{{"to", "a"}}));
  EXPECT_EQ(t.attempt, 2u);
  EXPECT_EQ(t.lease, "L1");
  EXPECT_EQ(t.lease_expires_at, 1795358950848);
  auto none = parse_claim(200, R"({"tasks":[]})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(TaskProtocol, RefusalsAndBrokenAnswersAreErrorsNotThrows) {
  for (const char* body :
       {"", "not json", "[]", R"({"tasks":{}})", R"({"tasks":[1]})",
        R"({"tasks":[{"task_id":"t","type":"x","attempt":1,"lease":"L"}]})",
        R"({"tasks":[{"task_id":7,"type":"x","attempt":1,"lease":"L","lease_expires_at":1}]})",
        R"({"tasks":[{"task_id":"t","type":"x","attempt":-1,"lease":"L","lease_expires_at":1}]})"}) {
    auto r = parse_claim(200, body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, "bad_answer") << body;
    EXPECT_EQ(r.error().status, 200);
  }
  auto conflict = parse_outcome(409, R"({"error":{"code":"conflict","message":"the lease is not current"}})");
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().status, 409);
  EXPECT_EQ(conflict.error().code, "conflict");
  EXPECT_EQ(conflict.error().message, "the lease is not current");
  auto html = parse_outcome(502, "<html>bad gateway</html>");
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().code, "http_502");
  EXPECT_NE(html.error().message.find("bad gateway"), std::string::npos);
  auto gone = parse_heartbeat(0, "");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "unavailable");
  EXPECT_FALSE(parse_heartbeat(200, R"({"task_id":"t"})"));
  auto ids = parse_enqueue_batch(200, R"({"results":[{"task_id":"a","status":"pending","created":true}]})");
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, std::vector<std::string>{"a"});
  EXPECT_FALSE(parse_enqueue_batch(200, R"({"results":[{"status":"pending"}]})"));
}

// Pumps until `done` or 10 s.
template <typename F>
bool pump_until(TaskWorker& w, F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) w.pump(std::chrono::milliseconds(5));
  return done();
}

json claimed(const std::string& id, const std::string& lease, int64_t lease_ms = 30000) {
  return {{"task_id", id}, {"type", "t"},    {"payload", {{"n", 1}}},
          {"attempt", 1},  {"lease", lease}, {"lease_expires_at", wall_ms() + lease_ms}};
}

// Scripts `server` as a sundiald whose first claim hands out `first` and
// every later claim none; any other request is answered by `other`.
void script_one_claim(ScriptedHttpServer& server, json first,
                      std::function<http::HttpResponse(const http::HttpRequest&)> other) {
  auto claims = std::make_shared<std::atomic<int>>(0);
  server.script([claims, first = std::move(first), other = std::move(other)](const http::HttpRequest& r) {
    if (r.path.ends_with("/claim")) {
      return http::HttpResponse::json(200, {{"tasks", (*claims)++ == 0 ? first : json::array()}});
    }
    return other(r);
  });
}

TEST(TaskWorker, CompletesWhatItClaimsAndCountsAStaleLease) {
  ScriptedHttpServer server;
  script_one_claim(server, {claimed("a", "La"), claimed("b", "Lb")}, [](const http::HttpRequest& r) {
    if (r.path == "/api/v1/tasks/a/complete")
      return http::HttpResponse::json(200, {{"task_id", "a"}, {"status", "completed"}});
    return http::HttpResponse::error(409, "conflict", "the lease is not current");
  });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  o.name = "w7";
  o.token = "secret";
  o.max = 50;
  o.batch_completions = false;  // one request per task here; the next test batches
  std::vector<std::string> handled;
  TaskWorker w(o, [&](const ClaimedTask& t, TaskWorker::Finish finish) {
    handled.push_back(t.task_id + ":" + t.payload.dump());
    finish(Outcome::success({{"ok", t.task_id}}));
    finish(Outcome::failure("a second finish is ignored"));
  });
  std::vector<std::pair<std::string, int>> outcomes;
  w.observe_outcomes([&](const std::string& id, int status) { outcomes.emplace_back(id, status); });
  ASSERT_TRUE(pump_until(w, [&] { return outcomes.size() == 2; }));
  w.stop_claiming();
  ASSERT_TRUE(pump_until(w, [&] { return w.idle(); }));
  EXPECT_EQ(handled, (std::vector<std::string>{"a:{\"n\":1}", "b:{\"n\":1}"}));
  EXPECT_EQ(w.stats().claimed, 2u);
  EXPECT_EQ(w.stats().completed, 1u);
  EXPECT_EQ(w.stats().conflicts, 1u);
  EXPECT_EQ(w.stats().errors, 0u);
  EXPECT_EQ(w.outstanding(), 0u);

  size_t completes = 0;
  for (const auto& r : server.requests()) {
    json body = json::parse(r.body);
    const std::string* auth = r.header("authorization");
    EXPECT_EQ(auth ? *auth : "", "Bearer secret") << r.path;
    if (r.path.ends_with("/claim")) {
      EXPECT_EQ(body["worker"], "w7");
      EXPECT_EQ(body["max"], 50);
      EXPECT_EQ(body["wait"], "5s");
    }
    if (r.path == "/api/v1/tasks/a/complete") {
      ++completes;
      EXPECT_EQ(body, (json{{"lease", "La"}, {"result", {{"ok", "a"}}}}));
    }
    if (r.path == "/api/v1/tasks/b/complete") ++completes;
    EXPECT_FALSE(r.path.ends_with("/fail")) << "finish twice sent a failure";
  }
  EXPECT_EQ(completes, 2u);
}

// By default the completions a claim's tasks reach together go in one
// POST /api/v1/tasks:complete, and each is counted by its own result.
TEST(TaskWorker, SendsTheCompletionsOfOneClaimInOneRequest) {
  ScriptedHttpServer server;
  script_one_claim(
      server, {claimed("a", "La"), claimed("b", "Lb"), claimed("c", "Lc")}, [](const http::HttpRequest& r) {
        if (r.path == "/api/v1/tasks:complete") {
          return http::HttpResponse::json(
              200, {{"results",
                     {{{"task_id", "a"}, {"status", "completed"}},
                      {{"task_id", "b"},
                       {"error", {{"code", "conflict"}, {"message", "the lease is not current"}}}},
                      {{"task_id", "c"}, {"status", "completed"}}}}});
        }
        return http::HttpResponse::error(500, "internal", "unexpected " + r.path);
      });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  TaskWorker w(o, [&](const ClaimedTask& t, TaskWorker::Finish finish) {
    finish(Outcome::success({{"ok", t.task_id}}));
  });
  std::map<std::string, int> outcomes;
  w.observe_outcomes([&](const std::string& id, int status) { outcomes[id] = status; });
  ASSERT_TRUE(pump_until(w, [&] { return outcomes.size() == 3; }));
  w.stop_claiming();
  ASSERT_TRUE(pump_until(w, [&] { return w.idle(); }));
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"a", 200}, {"b", 409}, {"c", 200}}));
  EXPECT_EQ(w.stats().completed, 2u);
  EXPECT_EQ(w.stats().conflicts, 1u);
  EXPECT_EQ(w.stats().errors, 0u);
  size_t batches = 0;
  for (const auto& r : server.requests()) {
    EXPECT_FALSE(r.path.ends_with("/complete")) << "a completion went alone: " << r.path;
    if (r.path != "/api/v1/tasks:complete") continue;
    ++batches;
    json body = json::parse(r.body);
    EXPECT_EQ(body["completions"].size(), 3u);
    EXPECT_EQ(body["completions"][1], (json{{"task_id", "b"}, {"lease", "Lb"}, {"result", {{"ok", "b"}}}}));
  }
  EXPECT_EQ(batches, 1u);
}

// A batch refused as a whole (too large for the server's body limit, one
// result too deep for the batch's body) costs no task: each is sent again
// through the single route.
TEST(TaskWorker, ABatchRefusedAsAWholeIsSentAgainOneByOne) {
  ScriptedHttpServer server;
  script_one_claim(server, {claimed("a", "La"), claimed("b", "Lb")}, [](const http::HttpRequest& r) {
    if (r.path == "/api/v1/tasks:complete")
      return http::HttpResponse::error(413, "payload_too_large", "too big");
    if (r.path.ends_with("/complete")) return http::HttpResponse::json(200, {{"status", "completed"}});
    return http::HttpResponse::error(500, "internal", "unexpected " + r.path);
  });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  TaskWorker w(o, [&](const ClaimedTask&, TaskWorker::Finish finish) { finish(Outcome::success()); });
  std::map<std::string, int> outcomes;
  w.observe_outcomes([&](const std::string& id, int status) { outcomes[id] = status; });
  ASSERT_TRUE(pump_until(w, [&] { return outcomes.size() == 2; }));
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"a", 200}, {"b", 200}}));
  EXPECT_EQ(w.stats().completed, 2u);
  EXPECT_EQ(w.stats().errors, 0u);
}

TEST(TaskProtocol, ABatchCompletionAnswerIsReadPerItemAndAMismatchIsAnError) {
  auto r = parse_complete_batch(
      200,
      R"({"results":[{"task_id":"a","status":"completed"},{"task_id":"b","error":{"code":"not_found","message":"no"}}]})",
      2);
  ASSERT_TRUE(r);
  ASSERT_TRUE((*r)[0]);
  EXPECT_EQ(*(*r)[0], "completed");
  ASSERT_FALSE((*r)[1]);
  EXPECT_EQ((*r)[1].error().status, 404);
  EXPECT_FALSE(parse_complete_batch(200, R"({"results":[{"task_id":"a","status":"completed"}]})", 2))
      << "one result per completion";
  EXPECT_FALSE(parse_complete_batch(200, R"({"results":[{"task_id":"a"}]})", 1));
  auto refused = parse_complete_batch(400, R"({"error":{"code":"invalid_argument","message":"m"}})", 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, 400);
  std::string request = complete_batch_request({{"a", "La", nullptr}, {"b", "Lb", {{"x", 1}}}}, "t");
  EXPECT_TRUE(request.starts_with("POST /api/v1/tasks:complete HTTP/1.1\r\n")) << request;
  EXPECT_NE(
      request.find(
          R"({"completions":[{"lease":"La","task_id":"a"},{"lease":"Lb","result":{"x":1},"task_id":"b"}]})"),
      std::string::npos)
      << request;
}

TEST(TaskWorker, SendsAHandlersFailureWithItsRetryChoice) {
  ScriptedHttpServer server;
  script_one_claim(server, {claimed("x", "Lx")}, [](const http::HttpRequest&) {
    return http::HttpResponse::json(200, {{"task_id", "x"}, {"status", "failed"}});
  });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  TaskWorker w(o, [](const ClaimedTask&, TaskWorker::Finish finish) {
    finish(Outcome::failure("no such customer", false, "1m"));
  });
  ASSERT_TRUE(pump_until(w, [&] { return w.stats().failed == 1; }));
  bool seen = false;
  for (const auto& r : server.requests()) {
    if (r.path != "/api/v1/tasks/x/fail") continue;
    seen = true;
    EXPECT_EQ(
        json::parse(r.body),
        (json{{"lease", "Lx"}, {"error", "no such customer"}, {"retryable", false}, {"retry_after", "1m"}}));
  }
  EXPECT_TRUE(seen);
}

TEST(TaskWorker, HeartbeatsATaskItHasNotFinished) {
  ScriptedHttpServer server;
  // A 1 s lease: the worker heartbeats it after about 500 ms.
  script_one_claim(server, {claimed("h", "Lh", 1000)}, [](const http::HttpRequest& r) {
    if (r.path.ends_with("/heartbeat"))
      return http::HttpResponse::json(200, {{"task_id", "h"}, {"lease_expires_at", wall_ms() + 1000}});
    return http::HttpResponse::json(200, {{"task_id", "h"}, {"status", "completed"}});
  });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  TaskWorker::Finish later;
  TaskWorker w(o, [&](const ClaimedTask&, TaskWorker::Finish finish) { later = std::move(finish); });
  ASSERT_TRUE(pump_until(w, [&] { return w.stats().heartbeats >= 2; }));
  EXPECT_EQ(w.stats().completed, 0u);
  later(Outcome::success());
  ASSERT_TRUE(pump_until(w, [&] { return w.stats().completed == 1; }));
  for (const auto& r : server.requests()) {
    if (r.path.ends_with("/heartbeat")) {
      EXPECT_EQ(json::parse(r.body), (json{{"lease", "Lh"}}));
    }
  }
}

TEST(TaskWorker, AServerAnsweringGarbageIsCountedAndRetriedNotFatal) {
  ScriptedHttpServer server;
  std::atomic<int> claims{0};
  server.script([&](const http::HttpRequest&) {
    ++claims;
    return http::HttpResponse::text(500, "oops");
  });
  WorkerOptions o;
  o.port = server.port();
  o.queue = "jobs";
  o.retry_delay = std::chrono::milliseconds(10);
  TaskWorker w(o, [](const ClaimedTask&, TaskWorker::Finish finish) { finish(Outcome::success()); });
  ASSERT_TRUE(pump_until(w, [&] { return w.stats().errors >= 3; }));
  EXPECT_TRUE(w.ok());
  ASSERT_TRUE(w.stats().last_error);
  EXPECT_EQ(w.stats().last_error->status, 500);
  EXPECT_EQ(w.stats().last_error->code, "http_500");
  EXPECT_EQ(w.stats().claimed, 0u);
}

}  // namespace
}  // namespace sundial::worker
