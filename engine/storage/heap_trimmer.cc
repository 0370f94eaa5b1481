#include "engine/storage/heap_trimmer.h"

#include <malloc.h>

namespace sundial {

void HeapTrimmer::maybe_trim() {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = last_trim_ns_.load(std::memory_order_relaxed);
  if (now - last < std::chrono::nanoseconds(interval_).count()) return;
  // One trim per interval, whichever background thread gets here first.
  if (!last_trim_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  ::malloc_trim(0);
  trims_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sundial
