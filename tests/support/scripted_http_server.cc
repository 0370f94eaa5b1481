#include "tests/support/scripted_http_server.h"

#include <future>

#include "engine/loop/loop.h"
#include "server/http/http_server.h"

namespace sundial::testing {

struct ScriptedHttpServer::State {
  mutable std::mutex mutex;
  Answer answer = [](const http::HttpRequest&) { return http::HttpResponse::json(200, {{"ok", true}}); };
  std::vector<http::HttpRequest> requests;
  Loop* loop = nullptr;
};

ScriptedHttpServer::ScriptedHttpServer() : state_(std::make_shared<State>()) {
  std::promise<int> bound;
  auto port = bound.get_future();
  thread_ = std::thread([state = state_, &bound] {
    Loop loop;
    http::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_connections = 256;
    options.limits.parser = http::ParserLimits{64 << 10, 4 << 20};
    options.limits.read_timeout_ms = 10000;
    options.limits.idle_timeout_ms = 60000;
    auto server =
        std::make_unique<http::HttpServer>(loop, options, [state](http::HttpRequest req, http::Responder r) {
          http::HttpResponse response;
          {
            std::lock_guard lock(state->mutex);
            state->requests.push_back(req);
            response = state->answer(req);
          }
          r.send(std::move(response));
        });
    auto listened = server->listen();
    if (listened) {
      std::lock_guard lock(state->mutex);
      state->loop = &loop;
    }
    bound.set_value(listened ? server->bound_port() : -1);
    if (!listened) return;
    loop.run();
    {
      std::lock_guard lock(state->mutex);
      state->loop = nullptr;
    }
    server->close_all();
    server.reset();
    loop.run_nowait();
  });
  port_ = port.get();
}

ScriptedHttpServer::~ScriptedHttpServer() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->loop != nullptr) state_->loop->post([loop = state_->loop] { loop->stop(); });
  }
  if (thread_.joinable()) thread_.join();
}

void ScriptedHttpServer::script(Answer answer) {
  std::lock_guard lock(state_->mutex);
  state_->answer = std::move(answer);
}

std::vector<http::HttpRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

}  // namespace sundial::testing
