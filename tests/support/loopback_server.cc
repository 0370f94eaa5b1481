#include "tests/support/loopback_server.h"

#include <future>
#include <memory>

#include "server/http/http_server.h"

namespace sundial::testing {

LoopbackServer::LoopbackServer(MakeHandler make, std::function<void()> on_stop) {
  std::promise<int> bound;
  auto port = bound.get_future();
  thread_ = std::thread([this, &bound, make = std::move(make), on_stop = std::move(on_stop)] {
    Loop loop;
    http::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_connections = 1024;
    options.limits.parser = http::ParserLimits{64 << 10, 4 << 20};
    options.limits.read_timeout_ms = 10000;
    options.limits.idle_timeout_ms = 60000;
    auto server = std::make_unique<http::HttpServer>(loop, options, make(loop));
    auto listened = server->listen();
    if (listened) {
      // Before the port is known: the destructor may run at once after.
      std::lock_guard lock(mutex_);
      loop_ = &loop;
    }
    bound.set_value(listened ? server->bound_port() : 0);
    if (!listened) return;
    loop.run();
    {
      std::lock_guard lock(mutex_);
      loop_ = nullptr;
    }
    if (on_stop) on_stop();
    server->close_all();
    server.reset();
    loop.run_nowait();
  });
  port_ = port.get();
}

LoopbackServer::~LoopbackServer() {
  {
    std::lock_guard lock(mutex_);
    if (loop_ != nullptr) loop_->post([loop = loop_] { loop->stop(); });
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace sundial::testing
