// End-to-end over real sockets against the real sundiald: auth, the
// endpoints, operations routes, HEAD, bad input that must change nothing,
// an SSE client that reconnects with Last-Event-ID, and a daemon whose
// access log outgrows a pipe buffer.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir.sub("sundial.toml")) << "[server]\nmax_body_bytes = 4096\nmax_header_bytes = 2048\n"
                                              "read_timeout = \"1s\"\n";
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--config", dir.sub("sundial.toml")},
                                             std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  void TearDown() override {
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = kAuthJson) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }
  size_t stored_instances() {
    return nlohmann::json::parse(call("GET", "/api/v1/instances").body)["instances"].size();
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(HttpApiTest, ApiNeedsTheBearerTokenButHealthDoesNot) {
  EXPECT_EQ(call("GET", "/api/v1/workflows", "", {}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/workflows", "", {{"Authorization", "Bearer nope"}}).status, 401);
  auto denied = call("GET", "/api/v1/workflows", "", {});
  EXPECT_EQ(denied.header("www-authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(call("GET", "/api/v1/workflows", "", kAuth).status, 200);
  EXPECT_EQ(call("GET", "/healthz", "", {}).status, 200);
  EXPECT_EQ(call("GET", "/readyz", "", {}).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/workflows/bench.sleep_step/instances", "{}", {}).status, 401);
  EXPECT_EQ(stored_instances(), 0u);
}

TEST_F(HttpApiTest, StartSteerAndInspectOverHttp) {
  auto started = call("POST", "/api/v1/workflows/bench.sleep_step/instances",
                      R"({"id":"e2e-1","input":{"sleep_ms":3600000}})");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(call("POST", "/api/v1/workflows/bench.sleep_step/instances", R"({"id":"e2e-1"})").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/instances/e2e-1").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/instances/e2e-1/history").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/instances/e2e-1/pause").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/instances/e2e-1/resume", R"({"policy":"shift"})").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/instances/e2e-1/signals/poke", R"({"x":1})").status, 202);
  EXPECT_EQ(call("GET", "/api/v1/timers").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/stats").status, 200);
  auto cancelled = call("POST", "/api/v1/instances/e2e-1/cancel", R"({"reason":"done"})");
  EXPECT_EQ(nlohmann::json::parse(cancelled.body)["status"], "cancelled");
  EXPECT_EQ(call("POST", "/api/v1/instances/e2e-1/retry").status, 409);
  EXPECT_EQ(call("GET", "/api/v1/instances/nope").status, 404);
  auto metrics = call("GET", "/metrics", "", {});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("sundial_http_requests_total{method=\"POST\",route=\"/api/v1/workflows/{type}/"
                              "instances\",status=\"201\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("sundial_instances{status=\"cancelled\"} 1"), std::string::npos);
  // By workflow type: the current count, and what happened since the start.
  for (const char* series : {"sundial_workflow_instances{type=\"bench.sleep_step\",status=\"cancelled\"} 1",
                             "sundial_workflow_instances_total{type=\"bench.sleep_step\",event=\"started\"} 1",
                             "sundial_workflow_instances_total{type=\"bench.sleep_step\",event=\"cancelled\"} 1"}) {
    EXPECT_NE(metrics.body.find(series), std::string::npos) << series << "\n" << metrics.body;
  }
  EXPECT_NE(
      metrics.body.find(
          "# TYPE sundial_loop_thread_store_reads_total counter\nsundial_loop_thread_store_reads_total "),
      std::string::npos)
      << metrics.body;
  // What storage holds in memory: the writes above are in the memtables,
  // which are charged to the block cache (docs/operations.md, Memory).
  for (const char* name : {"sundial_storage_memtable_bytes ", "sundial_storage_block_cache_bytes "}) {
    auto at = metrics.body.find(std::string("\n") + name);
    ASSERT_NE(at, std::string::npos) << name << "missing from /metrics";
    EXPECT_GT(std::stod(metrics.body.substr(at + 1 + std::strlen(name))), 0.0) << name;
  }
  EXPECT_NE(metrics.body.find("\nsundial_storage_table_readers_bytes "), std::string::npos);
}

TEST_F(HttpApiTest, BadInputGetsA4xxAndChangesNothing) {
  const std::string start = "/api/v1/workflows/bench.sleep_step/instances";
  {
    HttpConnection c(daemon->port());
    ASSERT_TRUE(c.send_raw("GARBAGE / HTTP/9\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    HttpConnection c(daemon->port());
    ASSERT_TRUE(c.send_raw("POST " + start + " HTTP/1.1\r\nBad Header\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  EXPECT_EQ(call("POST", start, R"({"id": "x", )").status, 400);
  auto wrong_type = kAuth;
  wrong_type["Content-Type"] = "text/plain";
  EXPECT_EQ(call("POST", start, R"({"id":"x"})", wrong_type).status, 415);
  EXPECT_EQ(call("POST", start, R"({"id":"x","input":")" + std::string(5000, 'a') + "\"}").status, 413);
  auto big_headers = kAuthJson;
  big_headers["X-Padding"] = std::string(3000, 'p');
  EXPECT_EQ(call("POST", start, R"({"id":"x"})", big_headers).status, 431);
  {
    // A request that stops arriving: the configured read timeout (1 s
    // here) answers 408 and closes. (Its arithmetic is tested on a
    // ManualClock in HttpServerTest.TimeoutsRunOnTheClockTheServerIsGiven.)
    HttpConnection c(daemon->port());
    std::string request =
        "POST " + start + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"id\":\"x\"}";
    ASSERT_TRUE(c.send_raw(request.substr(0, 8)));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(stored_instances(), 0u);
}

TEST_F(HttpApiTest, EventStreamResumesFromLastEventIdWithoutMissingAny) {
  std::string first_part;
  {
    HttpConnection sse(daemon->port());
    ASSERT_TRUE(sse.send_raw(http_request_bytes("GET", "/api/v1/events", "", kAuth)));
    sse.read_until(": connected");
    ASSERT_EQ(call("POST", "/api/v1/workflows/bench.sleep_step/instances", R"({"id":"ev-1"})").status, 201);
    first_part = sse.read_until("event: instance_started");
  }
  ASSERT_NE(first_part.find("id: 1\n"), std::string::npos) << first_part;
  // While disconnected, more happens.
  ASSERT_EQ(call("POST", "/api/v1/workflows/bench.sleep_step/instances", R"({"id":"ev-2"})").status, 201);
  ASSERT_EQ(call("POST", "/api/v1/instances/ev-2/pause").status, 200);
  auto headers = kAuth;
  headers["Last-Event-ID"] = "1";
  HttpConnection again(daemon->port());
  // As an EventSource reconnects: same URL, newer id in the header, which wins.
  ASSERT_TRUE(again.send_raw(http_request_bytes("GET", "/api/v1/events?since=0", "", headers)));
  std::string resumed = again.read_until("event: paused");
  EXPECT_EQ(resumed.find("id: 1\n"), std::string::npos) << resumed;
  EXPECT_NE(resumed.find("\"instance_id\":\"ev-2\""), std::string::npos) << resumed;
  EXPECT_NE(resumed.find("id: 2\n"), std::string::npos) << resumed;
  EXPECT_NE(resumed.find("event: paused"), std::string::npos) << resumed;
}

// Pipelines HEAD `target` and GET /healthz on one connection: the second
// answer must follow the first one's headers at once (no body, no stream).
// Returns the first answer's head.
std::string head_then_health(int port, const std::string& target) {
  HttpConnection c(port);
  EXPECT_TRUE(
      c.send_raw(http_request_bytes("HEAD", target, "", kAuth) + http_request_bytes("GET", "/healthz")));
  std::string both = c.read_until(R"({"status":"ok"})");
  size_t head_end = both.find("\r\n\r\n");
  EXPECT_NE(head_end, std::string::npos) << both;
  EXPECT_EQ(both.find("HTTP/1.1 200", head_end), head_end + 4) << "HEAD " << target << " sent a body:\n"
                                                               << both;
  return both.substr(0, head_end);
}

TEST_F(HttpApiTest, HeadAnswersHeadersOnlyAndNeverOpensTheEventStream) {
  std::string health = head_then_health(daemon->port(), "/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health;
  const std::string get_length = std::to_string(call("GET", "/healthz", "", {}).body.size());
  EXPECT_NE(health.find("Content-Length: " + get_length + "\r\n"), std::string::npos) << health;
  std::string events = head_then_health(daemon->port(), "/api/v1/events");
  EXPECT_EQ(events.rfind("HTTP/1.1 405", 0), 0u) << events;
  EXPECT_NE(events.find("Allow: GET"), std::string::npos) << events;
  EXPECT_EQ(events.find("text/event-stream"), std::string::npos) << events;
}

TEST_F(HttpApiTest, ADaemonWhoseLogOutgrowsThePipeKeepsServing) {
  // One access-log line per request: thousands outgrow a 64 KiB pipe, which
  // the harness must keep draining or the daemon blocks in write().
  HttpConnection c(daemon->port());
  for (int i = 0; i < 3000; ++i) {
    auto r = c.request("GET", "/healthz");
    ASSERT_TRUE(r) << "request " << i << " was not answered";
    ASSERT_EQ(r->status, 200);
  }
  ASSERT_EQ(call("GET", "/log-outgrew-the-pipe", "", {}).status, 404);
  ASSERT_TRUE(daemon->wait_for_log("/log-outgrew-the-pipe"));
  EXPECT_GT(daemon->log().size(), size_t{64} * 1024);
}

TEST_F(HttpApiTest, ASmuggledRequestAfterChunkDataIsNeverRouted) {
  const std::string start = "/api/v1/workflows/bench.sleep_step/instances";
  HttpConnection c(daemon->port());
  // "XX" where the CRLF after the chunk data belongs: a lenient parser
  // skips it and routes the start hidden behind the terminating chunk.
  std::string body = R"({"id":"smuggle-outer"})";
  std::string smuggled = "POST " + start + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                         "\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n" +
                         R"({"id":"smuggle-inner"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  ASSERT_TRUE(c.send_raw("POST " + start + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                         "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
                         "\r\n" + body + "XX0\r\n\r\n" + smuggled));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(stored_instances(), 0u);
}

TEST_F(HttpApiTest, APipeliningClientThatNeverReadsDoesNotStallOthers) {
  HttpConnection greedy(daemon->port());
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += http_request_bytes("GET", "/metrics");
  ASSERT_TRUE(greedy.send_raw(burst));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it pile up, if it can
  for (int i = 0; i < 5; ++i) {
    auto started = std::chrono::steady_clock::now();
    HttpConnection c(daemon->port(), 2000);
    auto health = c.request("GET", "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    auto metrics = c.request("GET", "/metrics");
    ASSERT_TRUE(metrics);
    // The greedy client's queue stays within the 1 MiB budget (+ one answer).
    std::string text = metrics->body;
    size_t at = text.find("\nsundial_http_output_queued_bytes ");
    ASSERT_NE(at, std::string::npos) << text;
    double queued = std::stod(text.substr(at + std::strlen("\nsundial_http_output_queued_bytes ")));
    EXPECT_LE(queued, double((1 << 20) + (64 << 10)));
  }
}

// The shared rate limiters of the config, `github` at [github]'s rate and
// `resend` at [resend]'s, as GET /api/v1/limits and /metrics show them
// before any step used one.
TEST(LimitsApiTest, ConfiguredLimitersAreListedAndMetered) {
  TempDir dir;
  std::ofstream(dir.sub("sundial.toml")) << "[limits.notion]\nrate = 3\nburst = 5\n";
  DaemonProcess daemon(dir.sub("data"), {"--config", dir.sub("sundial.toml")});
  ASSERT_GT(daemon.port(), 0) << daemon.log();
  HttpConnection c(daemon.port());
  auto listed = c.request("GET", "/api/v1/limits");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  auto body = nlohmann::json::parse(listed->body, nullptr, false);
  ASSERT_EQ(body["limits"].size(), 3u) << listed->body;
  const auto& github = body["limits"][0];
  EXPECT_EQ(github["name"], "github");
  EXPECT_EQ(github["rate"], 1.0);
  EXPECT_EQ(github["burst"], 20.0);
  const auto& notion = body["limits"][1];
  EXPECT_EQ(notion["name"], "notion");
  EXPECT_EQ(notion["rate"], 3.0);
  EXPECT_EQ(notion["burst"], 5.0);
  EXPECT_EQ(notion["tokens"], 5.0);
  EXPECT_EQ(notion["sub_keys"], 0);
  EXPECT_EQ(notion["waiting"], 0);
  EXPECT_EQ(notion["holds"], 0);
  const auto& resend = body["limits"][2];
  EXPECT_EQ(resend["name"], "resend");
  EXPECT_EQ(resend["rate"], 5.0);
  EXPECT_EQ(resend["burst"], 5.0);
  auto metrics = c.request("GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sundial_limiter_tokens{limiter=\"notion\"} 5"), std::string::npos)
      << metrics->body.substr(0, 2000);
  EXPECT_NE(metrics->body.find("sundial_limiter_holds_total{limiter=\"notion\"} 0"), std::string::npos);
}

// A daemon behind a trusted proxy: the forwarded client is the one the
// access log and the webhook rate limits name, and request data cannot
// forge log lines.
TEST(HttpHardeningTest, TheForwardedClientIsLoggedAndRateLimitedAndControlsAreEscaped) {
  TempDir dir;
  std::ofstream(dir.sub("sundial.toml"))
      << "[server]\ntrusted_proxies = [\"127.0.0.1/32\"]\nwebhook_rate_per_second = 0.001\nwebhook_burst = "
         "1\n";
  DaemonProcess daemon(dir.sub("data"), {"--config", dir.sub("sundial.toml")});
  ASSERT_GT(daemon.port(), 0) << daemon.log();
  HttpConnection c(daemon.port());
  auto r = c.request("GET", "/nowhere%0d%0a2026-01-01T00:00:00.000Z%20info%20GET%20/forged%20200%1b%5B2J", "",
                     {{"X-Forwarded-For", "198.51.100.23"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  ASSERT_TRUE(daemon.wait_for_log("198.51.100.23"));
  std::string log = daemon.log();
  EXPECT_NE(log.find("/nowhere\\x0d\\x0a2026-01-01T00:00:00.000Z info GET /forged 200\\x1b[2J 404"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("\n2026-01-01T00:00:00.000Z info GET /forged"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  // The webhook rate limit counts the forwarded client, not the proxy.
  auto signup = [&](const std::string& client) {
    HttpConnection w(daemon.port());
    auto reply = w.request("POST", "/webhooks/signup", R"({"email":"not-an-email"})",
                           {{"Content-Type", "application/json"}, {"X-Forwarded-For", client}});
    EXPECT_TRUE(reply);
    return reply ? reply->status : 0;
  };
  EXPECT_NE(signup("198.51.100.1"), 429);
  EXPECT_EQ(signup("198.51.100.1"), 429);
  EXPECT_NE(signup("198.51.100.2"), 429);
  int status = daemon.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon.log();
}

}  // namespace
}  // namespace sundial::testing
