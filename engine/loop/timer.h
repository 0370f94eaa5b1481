// UvTimer: a one-shot timer on the loop, re-armable, over uv_timer_t.
// The callback runs on the loop thread and may re-arm or stop the timer; it
// is called from a noexcept trampoline, so it must turn failures into errors
// rather than throw (a throw terminates the process).
//
// Threading: loop thread only. Ownership: owns its handle (closed by the
// destructor); the callback must not destroy the UvTimer.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/loop/loop.h"
#include "engine/loop/uv_handle.h"

namespace sundial {

class UvTimer {
 public:
  UvTimer(Loop& loop, std::function<void()> on_fire);
  UvTimer(const UvTimer&) = delete;
  UvTimer& operator=(const UvTimer&) = delete;

  // (Re)arms the timer to fire once after `delay_ms` of monotonic time.
  void start(uint64_t delay_ms);
  void stop();
  // Whether it is armed (started and not yet fired or stopped).
  bool armed() const;
  // Whether the timer keeps the loop alive while armed. Default: true.
  void set_keeps_loop_alive(bool keep);

 private:
  UvHandle<uv_timer_t> handle_;
  std::function<void()> on_fire_;
};

}  // namespace sundial
