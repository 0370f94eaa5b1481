// LoopbackServer: the thread a test fake serves HTTP from — its own Loop
// and http::HttpServer on 127.0.0.1 at a free port — shared by the fakes
// (FakeProvider, FakeNotion, ScriptedHttpServer), which differ only in
// what they answer. The constructor returns once the port is bound (0
// when it could not be); the destructor stops the loop and joins.
//
// Threading: the handler, its maker and `on_stop` run on the server's
// thread; the constructor, port() and the destructor on the test's.
// Ownership: owns the thread, and on it the Loop and the server; the
// fake owns what its handler captures and must keep it alive until the
// LoopbackServer is destroyed (declare the LoopbackServer last).
#pragma once

#include <functional>
#include <mutex>
#include <thread>

#include "engine/loop/loop.h"
#include "server/http/responder.h"

namespace sundial::testing {

class LoopbackServer {
 public:
  // Builds the handler on the server's thread, given its Loop (for timers).
  using MakeHandler = std::function<http::HttpHandler(Loop& loop)>;

  // `on_stop` runs on the server's thread once its loop has stopped and
  // before the server closes: the place to answer requests held back.
  explicit LoopbackServer(MakeHandler make, std::function<void()> on_stop = {});
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }

 private:
  std::mutex mutex_;
  Loop* loop_ = nullptr;  // set while the loop runs
  std::thread thread_;
  int port_ = 0;
};

}  // namespace sundial::testing
