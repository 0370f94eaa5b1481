// HttpServer over real sockets on 127.0.0.1:0. The server and its loop run
// on a background thread; the test thread is a blocking client.
#include "server/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "engine/loop/timer.h"
#include "tests/support/http_client.h"

namespace sundial::http {
namespace {

using testing::http_request_bytes;
using testing::HttpConnection;

class ServerThread {
 public:
  explicit ServerThread(HttpServerOptions options) {
    std::promise<int> port;
    auto bound = port.get_future();
    thread_ = std::thread([this, options, &port] { run(options, port); });
    port_ = bound.get();
  }
  ~ServerThread() { stop(); }

  int port() const { return port_; }

  // Runs `fn` with the server on the loop thread and returns its result.
  template <typename Fn>
  auto on_loop(Fn fn) {
    std::promise<decltype(fn(*server_))> result;
    loop_->post([&] { result.set_value(fn(*server_)); });
    return result.get_future().get();
  }
  int big_answers() const { return big_answers_.load(); }
  int held() const { return held_count_.load(); }

  // Graceful stop; returns when the loop ended.
  void stop() {
    if (!thread_.joinable()) return;
    loop_->post([this] {
      held_.clear();  // answered 500, so the drain can finish
      server_->stop([this] {
        stream_timer_->stop();
        server_.reset();
        stream_timer_.reset();
        later_timers_.clear();
        loop_->stop();
      });
    });
    thread_.join();
  }

 private:
  void run(HttpServerOptions opts, std::promise<int>& port) {
    Loop loop;
    loop_ = &loop;
    stream_timer_ = std::make_unique<UvTimer>(loop, [this] {
      if (stream_ && stream_->write("data: tick\n\n")) stream_timer_->start(10);
    });
    server_ = std::make_unique<HttpServer>(loop, opts, [this, &loop](HttpRequest req, Responder r) {
      handle(loop, std::move(req), std::move(r));
    });
    auto listened = server_->listen();
    port.set_value(listened ? server_->bound_port() : -1);
    if (!listened) return;
    loop.run();
    stream_.reset();
    server_.reset();
    stream_timer_.reset();
    later_timers_.clear();
  }

  void handle(Loop& loop, HttpRequest req, Responder r) {
    if (req.path == "/echo") {
      return r.send(HttpResponse::text(200, req.method + " " + req.path + " " + req.body));
    }
    if (req.path == "/later") {  // answers after a delay, like a commit
      auto responder = std::make_shared<Responder>(std::move(r));
      later_timers_.push_back(std::make_unique<UvTimer>(
          loop, [responder] { responder->send(HttpResponse::text(200, "later")); }));
      later_timers_.back()->start(50);
      return;
    }
    if (req.path == "/stream") {
      stream_ = r.start_stream(HttpResponse::text(200, ": hello\n\n", "text/event-stream"));
      stream_timer_->start(10);
      return;
    }
    if (req.path == "/drop") return;  // the Responder answers 500
    if (req.path == "/big") {         // 64 KiB, answered at once
      ++big_answers_;
      return r.send(HttpResponse::text(200, std::string(64 << 10, 'b')));
    }
    if (req.path == "/peer") return r.send(HttpResponse::text(200, req.peer_ip));
    if (req.path == "/healthz") return r.send(HttpResponse::text(200, "ok"));
    if (req.path == "/hold") {  // not answered before the server stops
      held_.push_back(std::move(r));
      ++held_count_;
      return;
    }
    r.send(HttpResponse::error(404, "not_found", "no route"));
  }

  std::thread thread_;
  int port_ = -1;
  Loop* loop_ = nullptr;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<UvTimer> stream_timer_;
  std::shared_ptr<ResponseStream> stream_;
  std::vector<std::unique_ptr<UvTimer>> later_timers_;  // freed with the loop
  std::atomic<int> big_answers_{0};
  std::vector<Responder> held_;
  std::atomic<int> held_count_{0};
};

// Polls `done` every 5 ms for up to `ms`.
template <typename Fn>
bool wait_until(Fn done, int ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

HttpServerOptions test_options() {
  HttpServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.max_connections = 8;
  o.limits.parser = ParserLimits{1024, 256};
  o.limits.read_timeout_ms = 300;
  o.limits.idle_timeout_ms = 2000;
  return o;
}

TEST(HttpServerTest, AnswersKeepAliveRequestsOnOneConnection) {
  ServerThread server(test_options());
  ASSERT_GT(server.port(), 0);
  HttpConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("POST", "/echo", "n" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /echo n" + std::to_string(i));
    EXPECT_EQ(r->header("connection"), "keep-alive");
  }
}

TEST(HttpServerTest, PipelinedAnswersComeInRequestOrder) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  ASSERT_TRUE(c.send_raw(http_request_bytes("GET", "/later") + http_request_bytes("GET", "/echo") +
                         http_request_bytes("GET", "/missing")));
  auto first = c.read_reply();
  auto second = c.read_reply();
  auto third = c.read_reply();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->body, "later");
  EXPECT_EQ(second->body, "GET /echo ");
  EXPECT_EQ(third->status, 404);
}

TEST(HttpServerTest, MalformedRequestsGet400AndTheConnectionCloses) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  ASSERT_TRUE(c.send_raw("NOT HTTP AT ALL\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"code\":\"bad_request\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServerTest, LimitsAnswer413And431) {
  ServerThread server(test_options());
  {
    HttpConnection c(server.port());
    auto r = c.request("POST", "/echo", std::string(257, 'x'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    HttpConnection c(server.port());
    auto r = c.request("GET", "/echo", "", {{"X-Big", std::string(2000, 'y')}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
  }
}

TEST(HttpServerTest, ASlowClientIsTimedOut) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  ASSERT_TRUE(c.send_raw("GET /echo HTTP/1.1\r\n"));  // and never the rest
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServerTest, TimeoutsRunOnTheClockTheServerIsGiven) {
  ManualClock clock(1000);
  auto options = test_options();
  options.limits.parser.clock = &clock;
  options.limits.read_timeout_ms = 1000;
  options.limits.idle_timeout_ms = 5000;
  ServerThread server(options);
  auto check = [&] {
    server.on_loop([](HttpServer& s) {
      s.check_timeouts();
      return 0;
    });
  };
  HttpConnection idle(server.port());
  ASSERT_TRUE(idle.request("GET", "/echo"));  // idle from t = 1000
  HttpConnection slow(server.port());
  // A request trickles in from t = 1000; at t = 1999 it is not late yet.
  auto receiving = [&] { return server.on_loop([](HttpServer& s) { return s.receiving_connections(); }); };
  ASSERT_TRUE(slow.send_raw("G"));
  ASSERT_TRUE(wait_until([&] { return receiving() == 1; }));
  clock.advance(999);
  ASSERT_TRUE(slow.send_raw("ET /echo HTTP/1.1\r\n"));
  check();
  EXPECT_FALSE(slow.readable_now());
  // At t = 2000 it is: the read timeout counts from the request's first byte.
  clock.advance(1);
  check();
  auto r = slow.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(slow.closed_by_peer());
  // The idle keep-alive connection lasts until t = 6000.
  clock.advance(3999);
  check();
  EXPECT_FALSE(idle.readable_now());
  clock.advance(1);
  check();
  EXPECT_TRUE(idle.closed_by_peer());
}

TEST(HttpServerTest, IdleKeepAliveConnectionsAreClosed) {
  auto options = test_options();
  options.limits.idle_timeout_ms = 100;
  ServerThread server(options);
  HttpConnection c(server.port());
  ASSERT_TRUE(c.request("GET", "/echo"));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServerTest, AHandlerThatDropsItsResponderAnswers500) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  auto r = c.request("GET", "/drop");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

// Two connections held waiting for an answer (neither can be shed), then a
// third: the reply it gets at the limit of 2.
std::optional<testing::HttpReply> reply_over_the_connection_limit() {
  auto options = test_options();
  options.max_connections = 2;
  options.limits.read_timeout_ms = 5000;
  ServerThread server(options);
  HttpConnection a(server.port()), b(server.port());
  if (!a.send_raw(http_request_bytes("GET", "/hold")) || !b.send_raw(http_request_bytes("GET", "/hold"))) {
    return std::nullopt;
  }
  if (!wait_until([&] { return server.held() == 2; })) return std::nullopt;
  HttpConnection c(server.port());
  return c.read_reply();
}

TEST(HttpServerTest, ConnectionsOverTheLimitGet503) {
  auto r = reply_over_the_connection_limit();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
}

// The refusal at the connection limit closes at once and names no time to
// come back: unavailable without Retry-After (RetryAfter::kNone), unlike the
// code's default of 1 s that other unavailable answers carry.
TEST(HttpServerTest, TheRefusalOverTheConnectionLimitCarriesNoRetryAfter) {
  auto r = reply_over_the_connection_limit();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_FALSE(r->headers.contains("retry-after"));
  EXPECT_EQ(r->body,
            "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many open connections (limit 2)\"}}\n");
}

TEST(HttpServerTest, StreamsUntilTheServerStops) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  ASSERT_TRUE(c.send_raw(http_request_bytes("GET", "/stream")));
  std::string got = c.read_until("data: tick\n\ndata: tick\n\n");
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(got.find(": hello"), std::string::npos);
  EXPECT_EQ(got.find("Content-Length"), std::string::npos);
  server.stop();
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServerTest, StopAnswersRequestsInFlightWithConnectionClose) {
  ServerThread server(test_options());
  HttpConnection c(server.port());
  ASSERT_TRUE(c.send_raw(http_request_bytes("GET", "/later")));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let it arrive
  std::thread stopper([&] { server.stop(); });
  auto r = c.read_reply();
  stopper.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "later");
  EXPECT_EQ(r->header("connection"), "close");
}

// A client that pipelines and never reads its answers holds at most about
// the output budget; the server goes on serving everyone else.
TEST(HttpServerTest, PipeliningWithoutReadingStaysWithinTheOutputBudget) {
  auto options = test_options();
  options.limits.max_output_bytes = 256 << 10;
  options.limits.idle_timeout_ms = 20000;
  ServerThread server(options);
  constexpr int kRequests = 1000;  // 64 MiB of answers, ~40 KiB of requests
  HttpConnection greedy(server.port());
  std::string burst;
  for (int i = 0; i < kRequests; ++i) burst += http_request_bytes("GET", "/big");
  ASSERT_TRUE(greedy.send_raw(burst));
  size_t peak = 0;
  int answered = -1;
  // Until the server has stopped making progress on it.
  for (int still = 0; still < 10;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    peak = std::max(peak, server.on_loop([](HttpServer& s) { return s.queued_output_bytes(); }));
    int now = server.big_answers();
    still = now == answered ? still + 1 : 0;
    answered = now;
  }
  EXPECT_LE(peak, size_t{(256 + 64) << 10});  // the budget plus one answer
  EXPECT_LT(answered, kRequests);
  {
    HttpConnection other(server.port(), 2000);
    auto started = std::chrono::steady_clock::now();
    auto r = other.request("GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  }
  // Once the client reads, every answer arrives, in order.
  for (int i = 0; i < kRequests; ++i) {
    auto reply = greedy.read_reply();
    ASSERT_TRUE(reply) << i;
    ASSERT_EQ(reply->body.size(), size_t{64} << 10);
  }
  EXPECT_EQ(server.big_answers(), kRequests);
}

TEST(HttpServerTest, OneAddressHoldsAtMostItsConnectionCap) {
  auto options = test_options();
  options.max_connections_per_client = 2;
  ServerThread server(options);
  auto a = std::make_unique<HttpConnection>(server.port());
  HttpConnection b(server.port());
  ASSERT_TRUE(a->request("GET", "/echo"));
  ASSERT_TRUE(b.request("GET", "/echo"));
  {
    HttpConnection c(server.port());
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_NE(r->body.find("\"code\":\"too_many_connections\""), std::string::npos);
    EXPECT_EQ(r->header("retry-after"), "1");
    EXPECT_TRUE(c.closed_by_peer());
  }
  a.reset();  // a slot frees up
  ASSERT_TRUE(
      wait_until([&] { return server.on_loop([](HttpServer& s) { return s.open_connections(); }) == 1; }));
  HttpConnection d(server.port());
  auto r = d.request("GET", "/echo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServerTest, BehindATrustedProxyTheForwardedClientCounts) {
  auto options = test_options();
  options.max_connections_per_client = 1;
  options.trusted_proxies = *TrustedProxies::parse({"127.0.0.0/8"});
  ServerThread server(options);
  // The proxy's own connections are not capped by its address.
  HttpConnection a(server.port()), b(server.port()), c(server.port()), d(server.port());
  auto first = a.request("GET", "/peer", "", {{"X-Forwarded-For", "198.51.100.9, 203.0.113.7"}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "203.0.113.7");  // the rightmost untrusted hop
  auto same = b.request("GET", "/peer", "", {{"X-Forwarded-For", "203.0.113.7"}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 429);
  EXPECT_TRUE(b.closed_by_peer());
  auto other = c.request("GET", "/peer", "", {{"Forwarded", "for=\"[2001:db8::5]:4711\";proto=https"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->body, "2001:db8::5");
  auto direct = d.request("GET", "/peer");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->body, "127.0.0.1");
}

TEST(HttpServerTest, UntrustedPeersCannotForgeTheirAddress) {
  auto options = test_options();
  options.max_connections_per_client = 1;
  options.trusted_proxies = *TrustedProxies::parse({"10.0.0.0/8"});
  ServerThread server(options);
  HttpConnection a(server.port());
  auto r = a.request("GET", "/peer", "", {{"X-Forwarded-For", "203.0.113.7"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "127.0.0.1");
  HttpConnection b(server.port());  // a second from 127.0.0.1, whatever it claims
  auto refused = b.read_reply();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
}

TEST(HttpServerTest, NearTheLimitAnIdleConnectionIsShedFirst) {
  auto options = test_options();
  options.max_connections = 3;
  options.reserved_connections = 1;
  ServerThread server(options);
  HttpConnection a(server.port());
  ASSERT_TRUE(a.request("GET", "/echo"));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a is idle the longest
  HttpConnection b(server.port());
  ASSERT_TRUE(b.request("GET", "/echo"));
  HttpConnection c(server.port());
  auto r = c.request("GET", "/echo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(a.closed_by_peer());
  auto again = b.request("GET", "/echo");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(server.on_loop([](HttpServer& s) { return s.shed_connections(); }), 1u);
}

TEST(HttpServerTest, ReservedSlotsStillAnswerHealthChecks) {
  auto options = test_options();
  options.max_connections = 3;
  options.reserved_connections = 1;
  options.reserved_paths = {"/healthz"};
  options.limits.read_timeout_ms = 5000;
  ServerThread server(options);
  // Two busy connections (waiting for an answer): nothing to shed.
  HttpConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.send_raw(http_request_bytes("GET", "/hold")));
  ASSERT_TRUE(b.send_raw(http_request_bytes("GET", "/hold")));
  ASSERT_TRUE(wait_until([&] { return server.held() == 2; }));
  {
    HttpConnection c(server.port());
    auto r = c.request("GET", "/echo");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("retry-after"), "1");
    EXPECT_TRUE(c.closed_by_peer());
  }
  ASSERT_TRUE(
      wait_until([&] { return server.on_loop([](HttpServer& s) { return s.open_connections(); }) == 2; }));
  HttpConnection d(server.port());
  auto health = d.request("GET", "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(HttpServerTest, BodiesInFlightAreBoundedAcrossConnections) {
  auto options = test_options();
  options.max_body_bytes_in_flight = 300;
  options.limits.read_timeout_ms = 5000;
  ServerThread server(options);
  HttpConnection slow(server.port());
  ASSERT_TRUE(
      slow.send_raw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200\r\n\r\n" + std::string(10, 'x')));
  ASSERT_TRUE(wait_until(
      [&] { return server.on_loop([](HttpServer& s) { return s.body_bytes_in_flight(); }) == 200; }));
  {
    HttpConnection late(server.port());
    auto r = late.request("POST", "/echo", std::string(200, 'y'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("retry-after"), "1");
    EXPECT_TRUE(late.closed_by_peer());
  }
  ASSERT_TRUE(slow.send_raw(std::string(190, 'x')));
  auto done = slow.read_reply();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(server.on_loop([](HttpServer& s) { return s.body_bytes_in_flight(); }), 0u);
  HttpConnection again(server.port());
  auto r = again.request("POST", "/echo", std::string(200, 'y'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace sundial::http
