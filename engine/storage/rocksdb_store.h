// RocksDbStore: the embedded Store, one RocksDB database with the column
// families of column_families.h and a schema version in `meta`.
//
// Open() creates a missing database, refuses a schema version this binary
// cannot read, and recovers from the WAL (RocksDB replays it on open). A
// torn tail of the WAL (a crash in the middle of a write) is tolerated;
// damage anywhere else refuses to open with an error that names the file
// and the remedy (docs/operations.md), unless `recovery` is kSalvage, which
// keeps the WAL up to the damage, drops the rest, makes the result durable
// and reports what it dropped (salvage_report()).
//
// Writes use sync=true. When one fails (disk full, an I/O error), RocksDB
// refuses every later write until the database is reopened; reads keep
// working. reopen_after_failure() first checks that a small synced test
// write works (until then the database stays open for reads, untouched),
// then closes it and opens it again, replaying
// the WAL and writing it out to SST files, so nothing read back from the
// page cache stays undurable; if that fails the database is opened
// read-only so reads still work, and the next call tries again.
// The destructor flushes the memtables (a clean shutdown leaves the data in
// SST files, not only in the WAL) and closes the database.
//
// The read-only mode never writes (for inspection tools).
//
// snapshot() pins a RocksDB snapshot (and holds the database open: a reopen
// waits until the view is destroyed, so keep views short-lived, one query).
// Reads made on a loop thread (engine/base/loop_thread.h) are counted,
// snapshot reads included: loop_thread_reads().
//
// Threading: thread-safe. Reads never wait for a reopen: while one is in
// progress they fail with storage_unavailable. reopen_after_failure() blocks
// (call it on the commit writer thread). Ownership: owns the rocksdb::DB,
// its Env and logger; shares the injected FileSystem.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "engine/storage/store.h"

namespace rocksdb {
class Cache;
class DB;
class ColumnFamilyHandle;
class Snapshot;
class Env;
class FileSystem;
}  // namespace rocksdb

namespace sundial {

class HeapTrimmer;
class RocksDbLogger;
class WalSalvageFilter;

enum class WalRecovery {
  // Tolerate a torn tail; refuse to open on damage anywhere else.
  kStrict,
  // Keep the WAL up to its first damage, drop everything after it.
  kSalvage,
};

struct RocksDbOptions {
  std::string path;
  // Default: false. Open without writing anything (the directory must exist).
  bool read_only = false;
  // Default: kStrict. kSalvage only on an operator's explicit request.
  WalRecovery recovery = WalRecovery::kStrict;
  // Default: 2. Background flush and compaction threads.
  int background_jobs = 2;
  // Default: 32 MiB. Shared block cache for reads. The memtables are
  // charged to it too (memtable_budget_bytes), so together they stay
  // near this size: what storage holds in memory, whatever the data size.
  size_t block_cache_bytes = 32u << 20;
  // Default: 8 MiB. Memtable size per column family.
  size_t write_buffer_bytes = 8u << 20;
  // Default: 24 MiB. All memtables together, every column family: past it
  // RocksDB flushes the largest. Charged to the block cache, which evicts
  // blocks to make room, so memtables and cached blocks share
  // block_cache_bytes instead of adding up (one budget, not two).
  size_t memtable_budget_bytes = 24u << 20;
  // Default: 5 s. After a flush or compaction, free heap goes back to the
  // OS (malloc_trim) at most this often (heap_trimmer.h); negative: never.
  std::chrono::milliseconds heap_trim_interval{5000};
  // Default: 16 MiB. WAL kept before RocksDB flushes the column families
  // that pin it: the upper bound of what a restart replays.
  uint64_t max_wal_bytes = 16u << 20;
  // Default: none (the operating system's). Tests inject faults through it.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

// What a salvage open dropped.
struct SalvageReport {
  uint64_t records_kept = 0;     // WAL records (synced write groups) replayed
  uint64_t records_dropped = 0;  // intact WAL records dropped because they follow the damage
  uint64_t bytes_dropped = 0;    // damaged bytes RocksDB could not read
  std::vector<std::string> damaged_files;
  bool damage_found() const { return bytes_dropped > 0 || records_dropped > 0; }
  std::string to_string() const;
};

// 2 added the `tasks` column family (task queues), 3 `kv`, 4 `topics`, 5
// `audit`. An older directory is upgraded in place at a writing open: the
// missing families are created empty and the version is stamped.
inline constexpr int kSchemaVersion = 5;

class RocksDbStore final : public Store {
 public:
  static Result<std::unique_ptr<RocksDbStore>> open(const RocksDbOptions& options);
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override;
  Result<CachedRead> get_if_cached(Cf cf, std::string_view key) override;
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override;
  Result<void> scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override;
  Result<std::optional<std::string>> last_key(Cf cf) override;
  Result<void> write(std::span<const Batch* const> batches) override;
  Result<void> reopen_after_failure() override;
  Result<std::unique_ptr<Store>> snapshot() override;
  uint64_t loop_thread_reads() const override { return loop_thread_reads_.load(std::memory_order_relaxed); }
  StorageMemory memory_usage() const override;
  // A RocksDB checkpoint (hard links to the SST files on the same
  // filesystem, copies elsewhere; the memtables flushed first) made under
  // DEST.partial, then the manifest, then renamed to DEST. Holds the
  // database open (shared) while it is taken; writes go on.
  Result<BackupInfo> checkpoint(const std::string& dest, TimeMs now) override;

  // Bytes of SST files on disk (the WAL not included), for metrics and benchmarks.
  uint64_t disk_bytes() const;
  // Heap trims run after flushes and compactions (tests).
  uint64_t heap_trims() const;
  // Set after a kSalvage open.
  const std::optional<SalvageReport>& salvage_report() const { return salvage_report_; }

 private:
  explicit RocksDbStore(const RocksDbOptions& options);
  // Opens db_ (exclusive lock held or no other thread yet).
  Result<void> open_db(bool read_only, bool flush_recovered);
  void close_db();
  // A small synced write and delete of a file next to the database, through
  // the same FileSystem: whether a reopen has a chance.
  Result<void> probe_write() const;
  Result<void> check_schema(bool read_only);
  Error refusal(const Error& opened) const;
  // The reads behind get/scan/last_key and the snapshot views, as of
  // `snapshot` (nullptr: the latest state). db_mutex_ held shared.
  Result<std::optional<std::string>> read_value(const rocksdb::Snapshot* snapshot, Cf cf,
                                                std::string_view key);
  Result<void> read_range(const rocksdb::Snapshot* snapshot, Cf cf, std::string_view begin,
                          std::string_view end, const ScanFn& fn, bool reverse = false);
  Result<std::optional<std::string>> read_last_key(const rocksdb::Snapshot* snapshot, Cf cf);
  void count_read();

  class SnapshotView;

  RocksDbOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // over options_.file_system, if any
  std::shared_ptr<RocksDbLogger> logger_;
  std::unique_ptr<WalSalvageFilter> salvage_filter_;
  std::optional<SalvageReport> salvage_report_;
  std::shared_ptr<rocksdb::Cache> block_cache_;  // kept across reopens
  std::shared_ptr<HeapTrimmer> heap_trimmer_;    // null when heap_trim_interval < 0

  // Readers and writers hold it shared; open/close hold it exclusively.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;                    // null while closed
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Cf; owned
  bool db_read_only_ = false;                          // opened read-only (by request or as a fallback)
  std::atomic<bool> write_failed_{false};              // a write failed since the last (re)open
  std::atomic<uint64_t> loop_thread_reads_{0};
};

}  // namespace sundial
