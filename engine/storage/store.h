// Store: the only storage API above engine/storage. Reads, ordered range
// scans, and atomic synced writes of whole transitions. RocksDbStore is the
// embedded default; tests wrap it in a FaultyStore; a networked backend can
// implement the same interface later.
//
// snapshot() gives a read-only view pinned to one point in time, so a query
// that scans an index and then reads the records it names sees one
// consistent state however many commits land meanwhile.
//
// Threading: every method may be called from any thread concurrently; a
// snapshot view is used and destroyed on the thread that took it.
// Durability: write() returns only after the batches are durable (WAL
// synced); when it fails, none of their operations is visible.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/base/error.h"
#include "engine/storage/backup.h"
#include "engine/storage/batch.h"
#include "engine/storage/column_families.h"

namespace sundial {

// Return false to stop the scan.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

// The answer of a read that must not wait on the disk.
struct CachedRead {
  enum State { kFound, kAbsent, kNotCached };
  State state = kNotCached;
  std::string value;  // when kFound
};

// What a store holds in memory, in bytes (0 where a store does not know).
struct StorageMemory {
  uint64_t memtable_bytes = 0;       // memtables, active and awaiting flush, all column families
  uint64_t block_cache_bytes = 0;    // the block cache's usage (data, index and filter blocks)
  uint64_t table_readers_bytes = 0;  // index and filter blocks held outside the block cache
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<std::string>> get(Cf cf, std::string_view key) = 0;
  // A point read from memory only (memtables, the block cache, bloom
  // filters): kNotCached when answering would read the disk. For the loop
  // thread, which must then ask the WorkPool. The default never knows.
  virtual Result<CachedRead> get_if_cached(Cf, std::string_view) { return CachedRead{}; }
  // Visits keys in [begin, end) in order; an empty `end` means unbounded.
  virtual Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) = 0;
  // Visits keys in [begin, end) in descending order (newest-first listings).
  // The default reads the range forward into memory first, for stores
  // made in tests; RocksDbStore iterates backwards.
  virtual Result<void> scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn);
  // The greatest key of `cf`, if any.
  virtual Result<std::optional<std::string>> last_key(Cf cf) = 0;
  // Applies all batches as one atomic, synced write.
  virtual Result<void> write(std::span<const Batch* const> batches) = 0;
  // After a failed write: makes writing possible again if the failure has
  // cleared (RocksDbStore closes and reopens the database, replaying its
  // WAL); an error while it has not. Blocks: call it on the commit writer
  // thread. Stores whose failed writes leave nothing behind do nothing.
  virtual Result<void> reopen_after_failure() { return {}; }
  // A read-only view of the whole store as of now: every get, scan and
  // last_key through it sees the same state; write() and snapshot() on it
  // fail. Released when destroyed (destroy it on the thread that took it,
  // and before this store). Fails with storage_unavailable while the store
  // is being reopened.
  virtual Result<std::unique_ptr<Store>> snapshot() = 0;
  // Reads (get, scan, last_key, its snapshots' included) made so far on a
  // thread that runs a loop (engine/base/loop_thread.h): docs/threading.md
  // rule 1 says the loop never waits on the disk. 0 where not counted.
  virtual uint64_t loop_thread_reads() const { return 0; }
  // Cheap (no disk, no scan): for /metrics, from any thread.
  virtual StorageMemory memory_usage() const { return {}; }
  // An online, consistent copy of the whole store in the new directory
  // `dest` (engine/storage/backup.h), stamped `now`; writes go on while it
  // is taken. Blocks on file I/O: call it on a pool thread. Stores that
  // cannot answer kInvalidArgument.
  virtual Result<BackupInfo> checkpoint(const std::string& dest, TimeMs now);
};

// Scans every key that starts with `prefix`.
Result<void> scan_prefix(Store& store, Cf cf, std::string_view prefix, const ScanFn& fn);

}  // namespace sundial
