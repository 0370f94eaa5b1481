#include "engine/loop/timer.h"

#include "engine/base/check.h"

namespace sundial {

UvTimer::UvTimer(Loop& loop, std::function<void()> on_fire) : on_fire_(std::move(on_fire)) {
  SUNDIAL_CHECK(uv_timer_init(loop.raw(), handle_.get()) == 0);
  handle_.mark_initialized();
  handle_.get()->data = this;
}

void UvTimer::start(uint64_t delay_ms) {
  uv_timer_start(
      handle_.get(),
      [](uv_timer_t* h) noexcept {
        if (h->data != nullptr) static_cast<UvTimer*>(h->data)->on_fire_();
      },
      delay_ms, 0);
}

void UvTimer::stop() { uv_timer_stop(handle_.get()); }

bool UvTimer::armed() const { return uv_is_active(handle_.base()) != 0; }

void UvTimer::set_keeps_loop_alive(bool keep) {
  if (keep) {
    uv_ref(handle_.base());
  } else {
    uv_unref(handle_.base());
  }
}

}  // namespace sundial
