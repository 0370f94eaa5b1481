#include "tests/support/delayed_answers.h"

namespace sundial::testing {

void DelayedAnswers::send(Loop& loop, http::Responder responder, http::HttpResponse response,
                          int latency_ms) {
  if (latency_ms <= 0) return responder.send(std::move(response));
  // Answered entries go now, never from inside their own timer callback.
  waiting_.remove_if([](const Waiting& w) { return !w.responder; });
  Waiting& w = waiting_.emplace_back();
  w.responder.emplace(std::move(responder));
  w.response = std::move(response);
  w.timer = std::make_unique<UvTimer>(loop, [&w] {
    w.responder->send(std::move(w.response));
    w.responder.reset();
  });
  w.timer->start(static_cast<uint64_t>(latency_ms));
}

void DelayedAnswers::flush(const http::HttpResponse& stopping) {
  for (auto& w : waiting_) {
    if (!w.responder) continue;
    w.timer->stop();
    w.responder->send(stopping);
    w.responder.reset();
  }
  waiting_.clear();
}

}  // namespace sundial::testing
