// HttpServer over real sockets on 127.0.0.1:0. The server and its loop run
// on a background thread; the test thread is a blocking client.
#include "server/http/http_server.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "engine/loop/timer.h"
#include "tests/support/http_client.h"

namespace sundial::http {
namespace {

using testing::HttpConnection;
using testing::http_request_bytes;

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

  // Graceful stop; returns when the loop ended.
  void stop() {
    if (!thread_.joinable()) return;
    loop_->post([this] {
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
    r.send(HttpResponse::error(404, "not_found", "no route"));
  }

  std::thread thread_;
  int port_ = -1;
  Loop* loop_ = nullptr;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<UvTimer> stream_timer_;
  std::shared_ptr<ResponseStream> stream_;
  std::vector<std::unique_ptr<UvTimer>> later_timers_;  // freed with the loop
};

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

TEST(HttpServerTest, ConnectionsOverTheLimitGet503) {
  auto options = test_options();
  options.max_connections = 2;
  ServerThread server(options);
  HttpConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.request("GET", "/echo"));
  ASSERT_TRUE(b.request("GET", "/echo"));
  HttpConnection c(server.port());
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
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

}  // namespace
}  // namespace sundial::http
