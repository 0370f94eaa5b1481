#include "engine/flow/rate_gate.h"

#include <algorithm>
#include <utility>

namespace sundial {

RateGate::RateGate(Loop& loop, Clock& clock, double rate_per_second, double burst)
    : loop_(loop),
      clock_(clock),
      bucket_(rate_per_second, burst, clock.now_ms()),
      timer_(loop, [this] { drain(); }) {}

void RateGate::acquire(std::move_only_function<void()> go) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  queue_.push_back(std::move(go));
  if (queue_.size() == 1) drain();
}

void RateGate::reconfigure(double rate_per_second, double burst) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  bucket_.reconfigure(rate_per_second, burst, clock_.now_ms());
  // The armed timer was set for the old pace: look again shortly (not now,
  // so the caller's iteration is never re-entered by a waiter).
  if (!queue_.empty()) timer_.start(1);
}

std::deque<std::move_only_function<void()>> RateGate::take_waiting() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  timer_.stop();
  return std::exchange(queue_, {});
}

void RateGate::hold_for(DurationMs delay) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  held_until_ = std::max(held_until_, now + delay);
  bucket_.drain(now);
}

size_t RateGate::try_take(size_t wanted) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  if (!queue_.empty() || now < held_until_) return 0;
  size_t taken = 0;
  while (taken < wanted && bucket_.try_take(now)) ++taken;
  return taken;
}

DurationMs RateGate::until_token() const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  if (now < held_until_) return held_until_ - now;
  return bucket_.wait(now);
}

size_t RateGate::waiting() const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  return queue_.size();
}

double RateGate::tokens() const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  return now < held_until_ ? 0.0 : bucket_.tokens(now);
}

bool RateGate::idle() const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  return queue_.empty() && now >= held_until_ && bucket_.full(now);
}

void RateGate::drain() {
  TimeMs now = clock_.now_ms();
  while (!queue_.empty() && now >= held_until_ && bucket_.try_take(now)) {
    auto go = std::move(queue_.front());
    queue_.pop_front();
    go();  // may re-enter acquire(); the queue is consistent here
    now = clock_.now_ms();
  }
  if (queue_.empty()) return;
  DurationMs wait = now < held_until_ ? held_until_ - now : bucket_.wait(now);
  timer_.start(static_cast<uint64_t>(std::max<DurationMs>(1, wait)));
}

}  // namespace sundial
