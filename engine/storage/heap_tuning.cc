#include "engine/storage/heap_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sundial {

bool keep_large_blocks_off_the_heap() {
#if defined(__GLIBC__)
  // Setting the threshold also turns off its dynamic adjustment.
  return ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapMmapThresholdBytes)) == 1;
#else
  return false;
#endif
}

}  // namespace sundial
