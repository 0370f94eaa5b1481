// Heap tuning for a process that runs RocksDB on glibc's malloc: keeps
// memtable blocks out of the malloc heaps, so the memory a flush frees goes
// back to the operating system instead of staying resident as holes.
//
// A memtable is allocated in arena blocks of write_buffer_size / 8 (1 MiB
// with the defaults). glibc serves the first such block with mmap, but
// freeing it raises glibc's dynamic mmap threshold above 1 MiB, and every
// later block then comes from a malloc heap. After a million instances were
// written (timers-at-scale, issue 11) ~30 MB of RSS was such free heap.
// A fixed threshold keeps every block of 128 KiB or more on mmap: freeing
// it unmaps it. Costs a page fault per 4 KiB of new memtable, ~0.2% CPU at
// 30k starts/s.
//
// Threading: call once, early in main(), before threads start (mallopt is
// process-wide). Ownership: none.
#pragma once

#include <cstddef>

namespace sundial {

inline constexpr size_t kHeapMmapThresholdBytes = size_t{128} << 10;

// Returns false if the C library refused (or is not glibc).
bool keep_large_blocks_off_the_heap();

}  // namespace sundial
