#include "engine/base/clock.h"

#include <chrono>

namespace sundial {

TimeMs SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TimeMs MonotonicClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

const MonotonicClock& monotonic_clock() {
  static const MonotonicClock clock;
  return clock;
}

}  // namespace sundial
