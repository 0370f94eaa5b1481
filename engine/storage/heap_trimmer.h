// HeapTrimmer: after RocksDB finishes a flush or a compaction, hands the
// heap that glibc keeps free but resident back to the operating system
// (malloc_trim), at most once per interval.
//
// Why: heap_tuning.h keeps memtable blocks on mmap, but the small blocks
// (block cache entries evicted, write batches, iterators) are freed into
// the malloc arenas of whichever thread allocated them, up to 8 per core;
// their free pages stay in RSS. After a million instances were written
// (timers-at-scale, issue 11) one malloc_trim returned ~35 MB of 127.
// Flushes and compactions are when the most was just freed.
//
// Threading: RocksDB calls the listener on its background threads, never
// on the loop; the trim takes each malloc arena's lock in turn, briefly.
// Ownership: shared by RocksDbStore and the rocksdb::DB it registers with.
#pragma once

#include <rocksdb/listener.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sundial {

class HeapTrimmer final : public rocksdb::EventListener {
 public:
  // interval 0: after every flush and compaction.
  explicit HeapTrimmer(std::chrono::milliseconds interval) : interval_(interval) {}

  void OnFlushCompleted(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { maybe_trim(); }
  void OnCompactionCompleted(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override { maybe_trim(); }

  // How many trims ran (tests).
  uint64_t trims() const { return trims_.load(std::memory_order_relaxed); }

 private:
  void maybe_trim();

  const std::chrono::milliseconds interval_;
  std::atomic<int64_t> last_trim_ns_{INT64_MIN / 2};
  std::atomic<uint64_t> trims_{0};
};

}  // namespace sundial
