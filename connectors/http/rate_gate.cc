#include "connectors/http/rate_gate.h"

#include <algorithm>
#include <cmath>

namespace sundial {

RateGate::RateGate(Loop& loop, Clock& clock, double rate_per_second, double burst)
    : loop_(loop),
      clock_(clock),
      rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      tokens_(burst_),
      updated_(clock.now_ms()),
      timer_(loop, [this] { drain(); }) {}

void RateGate::refill(TimeMs now) {
  if (now > updated_) {
    tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now - updated_) / 1000.0);
    updated_ = now;
  }
}

void RateGate::acquire(std::move_only_function<void()> go) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  queue_.push_back(std::move(go));
  if (queue_.size() == 1) drain();
}

void RateGate::hold_for(DurationMs delay) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  held_until_ = std::max(held_until_, clock_.now_ms() + delay);
  tokens_ = 0;
}

size_t RateGate::waiting() const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  return queue_.size();
}

void RateGate::drain() {
  TimeMs now = clock_.now_ms();
  refill(now);
  while (!queue_.empty() && now >= held_until_ && tokens_ >= 1.0) {
    tokens_ -= 1.0;
    auto go = std::move(queue_.front());
    queue_.pop_front();
    go();  // may re-enter acquire(); the queue is consistent here
    now = clock_.now_ms();
  }
  if (queue_.empty()) return;
  DurationMs wait = now < held_until_ ? held_until_ - now
                                      : static_cast<DurationMs>(std::ceil((1.0 - tokens_) / rate_ * 1000.0));
  timer_.start(static_cast<uint64_t>(std::max<DurationMs>(1, wait)));
}

}  // namespace sundial
