#include "engine/storage/rocksdb_store.h"

#include <algorithm>
#include <filesystem>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/loop_thread.h"
#include "engine/storage/heap_trimmer.h"
#include "engine/storage/insert_hints.h"
#include "engine/storage/keys.h"
#include "engine/storage/rocksdb_logger.h"
#include "engine/storage/wal_salvage_filter.h"

#if defined(__SANITIZE_THREAD__)
// The ThreadSanitizer build (SUNDIAL_TSAN): RocksDB is not instrumented,
// and its lock-free memtable publishes with atomics TSan cannot see, so a
// pool thread's read of what the commit writer inserted shows up as a race
// between memcpy/memcmp calls made inside RocksDB. Reports with a RocksDB
// frame are left out; races between our own threads are all reported.
// Defined with the code that uses RocksDB, so every binary linking it gets it.
extern "C" const char* __tsan_default_suppressions() { return "race:librocksdb.so\n"; }
#endif

namespace sundial {
namespace {

Error to_error(const rocksdb::Status& s, std::string_view what) {
  ErrorCode code = s.IsCorruption() ? ErrorCode::kCorruption
                   : s.IsNoSpace()  ? ErrorCode::kStorageUnavailable
                                    : ErrorCode::kIoError;
  return Error{code, std::string(what) + ": " + s.ToString()};
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

std::unexpected<Error> reopening() {
  return make_error(ErrorCode::kStorageUnavailable,
                    "storage is being reopened after a failed write; try again shortly");
}

}  // namespace

std::string SalvageReport::to_string() const {
  if (!damage_found()) return "the WAL had no damage; nothing was dropped";
  std::string files;
  for (const auto& f : damaged_files) files += (files.empty() ? "" : ", ") + f;
  return "kept " + std::to_string(records_kept) + " WAL record(s); dropped " + std::to_string(bytes_dropped) +
         " damaged byte(s) in " + (files.empty() ? "the WAL" : files) + " and the " +
         std::to_string(records_dropped) +
         " intact record(s) after them (each record is one synced group of acknowledged writes)";
}

RocksDbStore::RocksDbStore(const RocksDbOptions& options)
    : options_(options), logger_(std::make_shared<RocksDbLogger>()) {
  if (options_.file_system) env_ = rocksdb::NewCompositeEnv(options_.file_system);
  if (options_.heap_trim_interval.count() >= 0) {
    heap_trimmer_ = std::make_shared<HeapTrimmer>(options_.heap_trim_interval);
  }
}

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::open(const RocksDbOptions& options) {
  SUNDIAL_TRY(check_no_interrupted_restore(options.path));
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(options));
  bool salvage = options.recovery == WalRecovery::kSalvage;
  if (salvage && options.read_only) {
    return make_error(ErrorCode::kInvalidArgument, "a salvage open must be able to write");
  }
  if (salvage) store->salvage_filter_ = std::make_unique<WalSalvageFilter>(*store->logger_);
  // A salvage writes what it kept out to SST files, so the dropped records
  // are gone for good and the next ordinary open finds no damage.
  if (auto opened = store->open_db(options.read_only, salvage); !opened) {
    return std::unexpected(store->refusal(opened.error()));
  }
  if (salvage) {
    SalvageReport report;
    WalDamage damage = store->logger_->damage();
    report.records_kept = store->salvage_filter_->kept();
    report.records_dropped = store->salvage_filter_->dropped();
    report.bytes_dropped = damage.bytes_dropped;
    report.damaged_files = damage.files;
    store->salvage_report_ = report;
  }
  SUNDIAL_TRY(store->check_schema(options.read_only));
  return store;
}

Error RocksDbStore::refusal(const Error& opened) const {
  WalDamage damage = logger_->damage();
  if (damage.reports.empty()) {
    Error e{opened.code, "cannot open storage at '" + options_.path + "': " + opened.message};
    if (opened.code == ErrorCode::kStorageUnavailable) {
      e.message += " — the disk is full: free space and start again (docs/operations.md)";
    }
    return e;
  }
  return Error{ErrorCode::kCorruption,
               "the write-ahead log of '" + options_.path + "' is damaged before its end (" +
                   damage.reports.front() +
                   "); refusing to start, because the acknowledged writes after the damage would be "
                   "silently lost. Restore the data directory from a backup, or keep what precedes "
                   "the damage with `sundiald --recover=salvage` (see docs/operations.md)"};
}

Result<void> RocksDbStore::open_db(bool read_only, bool flush_recovered) {
  rocksdb::Options db_options;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  db_options.max_background_jobs = options_.background_jobs;
  db_options.keep_log_file_num = 4;
  db_options.info_log = logger_;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (env_) db_options.env = env_.get();
  // A torn tail is what a crash in the middle of a write leaves; damage
  // before the end is not, and must not be skipped silently.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  if (salvage_filter_) {
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
    db_options.wal_filter = salvage_filter_.get();
  }
  // After a crash, replay the WAL into the memtables without writing them
  // out as SST files first: restart time is what users wait for. The WAL
  // stays until a normal flush, so nothing is less durable. A reopen after
  // a failed write and a salvage flush instead: the replayed bytes may come
  // from the page cache and not the disk, and a salvage must be final.
  db_options.avoid_flush_during_recovery = !flush_recovered;
  // A quiet column family (meta, schedules) would otherwise pin old WAL
  // files until it flushes; capping the WAL flushes it and bounds what a
  // restart must replay.
  db_options.max_total_wal_size = options_.max_wal_bytes;
  if (heap_trimmer_) db_options.listeners.push_back(heap_trimmer_);

  if (!block_cache_) block_cache_ = rocksdb::NewLRUCache(options_.block_cache_bytes);
  // One bound for every memtable, charged to the block cache: without it
  // each column family may hold two full write buffers (8 × 2 × 8 MiB) on
  // top of a full cache. A reopen gets a fresh manager: the old database's
  // memtables are gone, and so are their charges.
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options_.memtable_budget_bytes, block_cache_);
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = block_cache_;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options_.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  // Column families read by key from the loop (does this instance or
  // idempotency key exist?) get bloom filters: held in memory with each
  // table, they answer "absent" without a disk read (get_if_cached).
  // Scanned families do without (10 bits a key would cost the timers of a
  // million pending sleeps 1.2 MB for nothing).
  rocksdb::BlockBasedTableOptions point_read_table = table_options;
  point_read_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions point_read_options = cf_options;
  point_read_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(point_read_table));

  // A read-only open of a directory written by an older version (before
  // the `tasks`, `kv`, `topics` or `audit` family existed) opens the families that exist; reads of a
  // missing one find nothing. A writing open creates them.
  std::vector<std::string> existing;
  if (read_only) {
    rocksdb::DB::ListColumnFamilies(db_options, options_.path, &existing).PermitUncheckedError();
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<size_t> opened;  // which Cf each descriptor after the default is
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (size_t i = 0; i < kCfCount; ++i) {
    Cf cf = static_cast<Cf>(i);
    if (read_only && !existing.empty() &&
        std::find(existing.begin(), existing.end(), kCfNames[i]) == existing.end()) {
      continue;
    }
    // `topics`: a publish with an id looks it up (mostly absent).
    bool point_read = cf == Cf::kInstances || cf == Cf::kIdempotency || cf == Cf::kTasks || cf == Cf::kTopics;
    descriptors.emplace_back(std::string(kCfNames[i]), point_read ? point_read_options : cf_options);
    if (cf == Cf::kIndex) {
      descriptors.back().options.memtable_insert_with_hint_prefix_extractor = index_insert_hints();
    }
    opened.push_back(i);
  }

  logger_->clear_damage();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, options_.path, descriptors, &handles, &raw)
                : rocksdb::DB::Open(db_options, options_.path, descriptors, &handles, &raw);
  if (!s.ok()) return std::unexpected(to_error(s, "open failed"));
  db_.reset(raw);
  // handles[0] is the default column family, which Sundial does not use.
  db_->DestroyColumnFamilyHandle(handles[0]);
  handles_.assign(kCfCount, nullptr);
  for (size_t i = 0; i < opened.size(); ++i) handles_[opened[i]] = handles[i + 1];
  db_read_only_ = read_only;
  write_failed_.store(false, std::memory_order_release);
  return ok();
}

void RocksDbStore::close_db() {
  if (!db_) return;
  for (auto* h : handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
  }
  handles_.clear();
  // After a failed write RocksDB keeps a background error; Close reports it again.
  db_->Close().PermitUncheckedError();
  db_.reset();
}

RocksDbStore::~RocksDbStore() {
  std::unique_lock lock(db_mutex_);
  if (db_ && !db_read_only_ && !write_failed_.load()) {
    // A clean shutdown leaves the data in SST files, so the next start
    // replays (and depends on) no WAL.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(), handles_.end());
    if (auto s = db_->Flush(flush, all); !s.ok()) {
      spdlog::warn("flushing storage at shutdown failed ({}); the WAL still holds the data", s.ToString());
    }
  }
  close_db();
}

Result<void> RocksDbStore::probe_write() const {
  rocksdb::FileSystem& fs = options_.file_system ? *options_.file_system : *rocksdb::FileSystem::Default();
  std::string path = options_.path + "/SUNDIAL-WRITE-PROBE";
  rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = fs.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Append(std::string(4096, '\0'), io, nullptr);
  if (s.ok()) s = file->Sync(io, nullptr);
  if (file) {
    rocksdb::IOStatus closed = file->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  fs.DeleteFile(path, io, nullptr).PermitUncheckedError();
  if (!s.ok()) return make_error(ErrorCode::kStorageUnavailable, "a test write still fails: " + s.ToString());
  return ok();
}

Result<void> RocksDbStore::reopen_after_failure() {
  if (options_.read_only) return make_error(ErrorCode::kStorageUnavailable, "storage was opened read-only");
  {
    std::shared_lock lock(db_mutex_);
    if (db_ && !db_read_only_ && !write_failed_.load()) return ok();
  }
  // While a small synced test write fails, the database stays open as it
  // is, so reads are served without a gap; only then is it closed.
  SUNDIAL_TRY(probe_write());
  std::unique_lock lock(db_mutex_);
  close_db();
  if (auto opened = open_db(/*read_only=*/false, /*flush_recovered=*/true); !opened) {
    Error error = refusal(opened.error());
    error.code = ErrorCode::kStorageUnavailable;
    // Keep serving reads while writing is impossible.
    if (auto ro = open_db(/*read_only=*/true, false); !ro) {
      spdlog::error("storage cannot be opened even read-only: {}", ro.error().to_string());
    }
    return std::unexpected(std::move(error));
  }
  return ok();
}

Result<void> RocksDbStore::check_schema(bool read_only) {
  SUNDIAL_ASSIGN_OR_RETURN(auto version, get(Cf::kMeta, keys::kSchemaVersionKey));
  if (!version) {
    if (read_only) return ok();
    Batch batch;
    batch.put(Cf::kMeta, std::string(keys::kSchemaVersionKey), std::to_string(kSchemaVersion));
    const Batch* one[] = {&batch};
    return write(one);
  }
  if (*version == "1" || *version == "2" || *version == "3" || *version == "4") {
    // The same families but `tasks` (version 2), `kv` (version 3),
    // `topics` (version 4) and `audit` (version 5), which the open just
    // created.
    if (read_only) return ok();
    Batch batch;
    batch.put(Cf::kMeta, std::string(keys::kSchemaVersionKey), std::to_string(kSchemaVersion));
    const Batch* one[] = {&batch};
    return write(one);
  }
  if (*version != std::to_string(kSchemaVersion)) {
    return make_error(ErrorCode::kCorruption, "storage schema version " + *version +
                                                  " is not readable by this build "
                                                  "(it reads version " +
                                                  std::to_string(kSchemaVersion) +
                                                  "); use a matching sundiald or a new data directory");
  }
  return ok();
}

void RocksDbStore::count_read() {
  if (loop_thread::is_current()) loop_thread_reads_.fetch_add(1, std::memory_order_relaxed);
}

Result<std::optional<std::string>> RocksDbStore::read_value(const rocksdb::Snapshot* snapshot, Cf cf,
                                                            std::string_view key) {
  count_read();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::string value;
  if (handles_[static_cast<size_t>(cf)] == nullptr) return std::optional<std::string>();  // not created yet
  rocksdb::Status s = db_->Get(read_options, handles_[static_cast<size_t>(cf)], slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return std::unexpected(to_error(s, "read failed"));
  return std::optional<std::string>(std::move(value));
}

Result<CachedRead> RocksDbStore::get_if_cached(Cf cf, std::string_view key) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return CachedRead{};  // the pool's read reports why
  rocksdb::ReadOptions memory_only;
  memory_only.read_tier = rocksdb::kBlockCacheTier;
  CachedRead out;
  if (handles_[static_cast<size_t>(cf)] == nullptr) return CachedRead{CachedRead::kAbsent, {}};
  rocksdb::Status s = db_->Get(memory_only, handles_[static_cast<size_t>(cf)], slice(key), &out.value);
  if (s.IsNotFound()) {
    out.state = CachedRead::kAbsent;
  } else if (s.ok()) {
    out.state = CachedRead::kFound;
  } else if (!s.IsIncomplete()) {
    return std::unexpected(to_error(s, "read failed"));
  }
  return out;
}

Result<void> RocksDbStore::read_range(const rocksdb::Snapshot* snapshot, Cf cf, std::string_view begin,
                                      std::string_view end, const ScanFn& fn, bool reverse) {
  count_read();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  rocksdb::Slice lower = slice(begin);
  rocksdb::Slice upper = slice(end);
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  if (reverse) read_options.iterate_lower_bound = &lower;
  if (handles_[static_cast<size_t>(cf)] == nullptr) return ok();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, handles_[static_cast<size_t>(cf)]));
  if (reverse) {
    it->SeekToLast();  // the last key below the upper bound
  } else {
    it->Seek(lower);
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scan failed"));
  return ok();
}

Result<std::optional<std::string>> RocksDbStore::read_last_key(const rocksdb::Snapshot* snapshot, Cf cf) {
  count_read();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  if (handles_[static_cast<size_t>(cf)] == nullptr) return std::optional<std::string>();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, handles_[static_cast<size_t>(cf)]));
  it->SeekToLast();
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scan failed"));
  if (!it->Valid()) return std::optional<std::string>();
  return std::optional<std::string>(it->key().ToString());
}

Result<std::optional<std::string>> RocksDbStore::get(Cf cf, std::string_view key) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  return read_value(nullptr, cf, key);
}

Result<void> RocksDbStore::scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  return read_range(nullptr, cf, begin, end, fn);
}

Result<void> RocksDbStore::scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  return read_range(nullptr, cf, begin, end, fn, /*reverse=*/true);
}

Result<std::optional<std::string>> RocksDbStore::last_key(Cf cf) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  return read_last_key(nullptr, cf);
}

// A view pinned to one RocksDB snapshot. It holds the database open (the
// shared lock) until destroyed, so the snapshot cannot outlive it.
class RocksDbStore::SnapshotView final : public Store {
 public:
  SnapshotView(RocksDbStore& parent, std::shared_lock<std::shared_mutex> lock)
      : parent_(parent), lock_(std::move(lock)), snapshot_(parent.db_->GetSnapshot()) {}
  ~SnapshotView() override { parent_.db_->ReleaseSnapshot(snapshot_); }
  SnapshotView(const SnapshotView&) = delete;
  SnapshotView& operator=(const SnapshotView&) = delete;

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override {
    return parent_.read_value(snapshot_, cf, key);
  }
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return parent_.read_range(snapshot_, cf, begin, end, fn);
  }
  Result<void> scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return parent_.read_range(snapshot_, cf, begin, end, fn, /*reverse=*/true);
  }
  Result<std::optional<std::string>> last_key(Cf cf) override { return parent_.read_last_key(snapshot_, cf); }
  Result<void> write(std::span<const Batch* const>) override {
    return make_error(ErrorCode::kInternal, "a storage snapshot is read-only");
  }
  Result<std::unique_ptr<Store>> snapshot() override {
    return make_error(ErrorCode::kInternal, "a storage snapshot cannot be snapshotted again");
  }
  uint64_t loop_thread_reads() const override { return parent_.loop_thread_reads(); }

 private:
  RocksDbStore& parent_;
  std::shared_lock<std::shared_mutex> lock_;
  const rocksdb::Snapshot* snapshot_;
};

Result<std::unique_ptr<Store>> RocksDbStore::snapshot() {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  return std::unique_ptr<Store>(std::make_unique<SnapshotView>(*this, std::move(lock)));
}

Result<BackupInfo> RocksDbStore::checkpoint(const std::string& dest, TimeMs now) {
  SUNDIAL_TRY(check_backup_destination(dest));
  const std::string partial = partial_backup_path(dest);
  BackupInfo info;
  info.path = dest;
  info.created_at = now;
  info.schema_version = kSchemaVersion;
  {
    std::shared_lock lock(db_mutex_);
    if (!db_) return reopening();
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: flush the memtables first, so the backup is SST
    // files (hard links) and no WAL has to be copied and replayed.
    if (s.ok()) s = checkpoint->CreateCheckpoint(partial, 0, &info.sequence);
    if (!s.ok()) {
      return make_error(ErrorCode::kIoError, "cannot take a checkpoint into '" + partial + "': " + s.ToString());
    }
  }
  if (auto finished = finish_backup(partial, info); !finished) {
    // DEST.partial is this backup's own (the check found none): remove it,
    // so the next backup to DEST is not refused.
    std::error_code ec;
    std::filesystem::remove_all(partial, ec);
    return std::unexpected(finished.error());
  }
  return info;
}

Result<void> RocksDbStore::write(std::span<const Batch* const> batches) {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return reopening();
  if (db_read_only_) {
    return make_error(ErrorCode::kStorageUnavailable,
                      options_.read_only ? "storage was opened read-only"
                                         : "storage is read-only until a failed write clears (disk full or "
                                           "I/O error); try again shortly");
  }
  rocksdb::WriteBatch wb;
  for (const Batch* batch : batches) {
    for (const Batch::Op& op : batch->ops()) {
      auto* handle = handles_[static_cast<size_t>(op.cf)];
      rocksdb::Status s;
      switch (op.kind) {
        case Batch::OpKind::kPut:
          s = wb.Put(handle, slice(op.key), slice(op.value));
          break;
        case Batch::OpKind::kDelete:
          s = wb.Delete(handle, slice(op.key));
          break;
        case Batch::OpKind::kDeleteRange:
          // The index family's memtable insert hints forbid range deletions (insert_hints.h).
          SUNDIAL_CHECK(op.cf != Cf::kIndex);
          s = wb.DeleteRange(handle, slice(op.key), slice(op.value));
          break;
      }
      if (!s.ok()) return std::unexpected(to_error(s, "batch build failed"));
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  rocksdb::Status s = db_->Write(write_options, &wb);
  if (!s.ok()) {
    // RocksDB now refuses every write until the database is reopened.
    write_failed_.store(true, std::memory_order_release);
    return make_error(ErrorCode::kStorageUnavailable,
                      "storage write failed, nothing was acknowledged (" + s.ToString() + ")");
  }
  return ok();
}

uint64_t RocksDbStore::disk_bytes() const {
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return 0;
  uint64_t total = 0;
  for (auto* h : handles_) {
    if (h == nullptr) continue;
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) total += v;
  }
  return total;
}

uint64_t RocksDbStore::heap_trims() const { return heap_trimmer_ ? heap_trimmer_->trims() : 0; }

StorageMemory RocksDbStore::memory_usage() const {
  StorageMemory out;
  if (block_cache_) out.block_cache_bytes = block_cache_->GetUsage();
  std::shared_lock lock(db_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !db_) return out;
  for (auto* h : handles_) {
    if (h == nullptr) continue;
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) out.memtable_bytes += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kEstimateTableReadersMem, &v))
      out.table_readers_bytes += v;
  }
  return out;
}

}  // namespace sundial
