// ScriptedHttpServer: an HTTP server on a loopback port for tests of
// outbound calls (Lua's ctx:http): it records every request (any method
// and path) and answers what the test's function returns.
//
// Threading: the server runs on its own thread and loop; the public
// methods are safe from the test thread, and `answer` runs on the server's
// thread (under the server's lock: it must not call back into the server).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/http/inbound_request.h"
#include "server/http/message.h"
#include "tests/support/loopback_server.h"

namespace sundial::testing {

class ScriptedHttpServer {
 public:
  using Answer = std::function<http::HttpResponse(const http::HttpRequest&)>;

  ScriptedHttpServer();
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return server_.port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Default: 200 with the JSON {"ok": true}.
  void script(Answer answer);
  std::vector<http::HttpRequest> requests() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  LoopbackServer server_;  // last: stopped before the state goes
};

}  // namespace sundial::testing
