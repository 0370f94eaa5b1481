// WarmOptions: the Runtime's memory policy for waiting instances (see
// Runtime::maybe_evict). A plain value; EngineOptions holds one.
#pragma once

#include <cstddef>

#include "engine/base/clock.h"

namespace sundial {

// Which waiting instances stay in memory. An instance whose timer is due
// within `horizon` is kept warm: when the timer fires it goes on at once,
// without reading its record and journal again and replaying its
// coroutine, which is most of a fire's cost. So is the next waiter of each
// concurrency key (Runtime::keep_warm). At most `max_instances` are kept;
// others are evicted as before.
struct WarmOptions {
  // Default: 2s.
  DurationMs horizon = 2 * kSecondMs;
  // Default: 20000 (a warm instance costs about a kilobyte or two).
  size_t max_instances = 20000;
};

}  // namespace sundial
