// RocksDbStore: the embedded Store, one RocksDB database with the column
// families of column_families.h and a schema version in `meta`.
//
// Open() creates a missing database, refuses a schema version this binary
// cannot read, and recovers from the WAL (RocksDB replays it on open).
// Writes use sync=true. The read-only mode never writes (for inspection tools).
//
// Threading: thread-safe (RocksDB is). Ownership: owns the rocksdb::DB.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/storage/store.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace sundial {

struct RocksDbOptions {
  std::string path;
  // Default: false. Open without writing anything (the directory must exist).
  bool read_only = false;
  // Default: 2. Background flush and compaction threads.
  int background_jobs = 2;
  // Default: 32 MiB. Shared block cache for reads.
  size_t block_cache_bytes = 32u << 20;
  // Default: 8 MiB. Memtable size per column family.
  size_t write_buffer_bytes = 8u << 20;
  // Default: 16 MiB. WAL kept before RocksDB flushes the column families
  // that pin it: the upper bound of what a restart replays.
  uint64_t max_wal_bytes = 16u << 20;
  // Default: nullptr (RocksDB's default Env). Tests pass an Env over a
  // fault-injecting FileSystem; borrowed, it must outlive the store.
  rocksdb::Env* env = nullptr;
};

inline constexpr int kSchemaVersion = 1;

class RocksDbStore final : public Store {
 public:
  static Result<std::unique_ptr<RocksDbStore>> open(const RocksDbOptions& options);
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override;
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end,
                    const ScanFn& fn) override;
  Result<std::optional<std::string>> last_key(Cf cf) override;
  Result<void> write(std::span<const Batch* const> batches) override;

  // Bytes of SST files on disk (the WAL not included), for metrics and benchmarks.
  uint64_t disk_bytes() const;

 private:
  RocksDbStore() = default;
  Result<void> check_schema(bool read_only);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Cf; owned, closed in the destructor
};

}  // namespace sundial
