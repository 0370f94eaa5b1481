// DelayedAnswers: the answers a test fake (FakeNotion, FakeGitHub) sends
// after its scripted latency. The fake's state changes when a request
// arrives; the answer leaves later, so a client killed mid-flight has
// still written.
//
// Threading: the fake server's thread only (its handler and its on_stop).
// Ownership: owns the waiting answers and their timers; the fake owns it
// (shared with its handler) until its LoopbackServer is gone.
#pragma once

#include <list>
#include <memory>
#include <optional>

#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "server/http/responder.h"

namespace sundial::testing {

class DelayedAnswers {
 public:
  // Sends `response` now when `latency_ms` <= 0, else that long from now.
  void send(Loop& loop, http::Responder responder, http::HttpResponse response, int latency_ms);
  // The fake stops: every answer still waiting gets `stopping` now.
  void flush(const http::HttpResponse& stopping);

 private:
  struct Waiting {
    std::optional<http::Responder> responder;  // reset once answered
    http::HttpResponse response;
    std::unique_ptr<UvTimer> timer;
  };
  std::list<Waiting> waiting_;
};

}  // namespace sundial::testing
