#include "tests/support/scripted_http_server.h"

namespace sundial::testing {

struct ScriptedHttpServer::State {
  mutable std::mutex mutex;
  Answer answer = [](const http::HttpRequest&) { return http::HttpResponse::json(200, {{"ok", true}}); };
  std::vector<http::HttpRequest> requests;
};

ScriptedHttpServer::ScriptedHttpServer()
    : state_(std::make_shared<State>()), server_([state = state_](Loop&) -> http::HttpHandler {
        return [state](http::HttpRequest req, http::Responder r) {
          http::HttpResponse response;
          {
            std::lock_guard lock(state->mutex);
            state->requests.push_back(req);
            response = state->answer(req);
          }
          r.send(std::move(response));
        };
      }) {}

ScriptedHttpServer::~ScriptedHttpServer() = default;

void ScriptedHttpServer::script(Answer answer) {
  std::lock_guard lock(state_->mutex);
  state_->answer = std::move(answer);
}

std::vector<http::HttpRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

}  // namespace sundial::testing
