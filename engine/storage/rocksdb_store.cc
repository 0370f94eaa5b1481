#include "engine/storage/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "engine/base/check.h"
#include "engine/storage/keys.h"

namespace sundial {
namespace {

Error to_error(const rocksdb::Status& s, std::string_view what) {
  ErrorCode code = s.IsCorruption() ? ErrorCode::kCorruption : ErrorCode::kIoError;
  return Error{code, std::string(what) + ": " + s.ToString()};
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::open(const RocksDbOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = options.background_jobs;
  db_options.db_write_buffer_size = options.write_buffer_bytes * kCfCount;
  db_options.keep_log_file_num = 4;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // After a crash, replay the WAL into the memtables without writing them
  // out as SST files first: restart time is what users wait for. The WAL
  // stays until a normal flush, so nothing is less durable.
  db_options.avoid_flush_during_recovery = true;
  // A quiet column family (meta, schedules) would otherwise pin old WAL
  // files until it flushes; capping the WAL flushes it and bounds what a
  // restart must replay.
  db_options.max_total_wal_size = options.max_wal_bytes;
  if (options.env != nullptr) db_options.env = options.env;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = cache;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (std::string_view name : kCfNames) descriptors.emplace_back(std::string(name), cf_options);

  std::unique_ptr<RocksDbStore> store(new RocksDbStore());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return std::unexpected(to_error(s, "cannot open storage at '" + options.path + "'"));
  }
  store->db_.reset(raw);
  // handles[0] is the default column family, which Sundial does not use.
  store->db_->DestroyColumnFamilyHandle(handles[0]);
  store->handles_.assign(handles.begin() + 1, handles.end());
  SUNDIAL_TRY(store->check_schema(options.read_only));
  return store;
}

RocksDbStore::~RocksDbStore() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close().PermitUncheckedError();
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
  if (*version != std::to_string(kSchemaVersion)) {
    return make_error(ErrorCode::kCorruption,
                      "storage schema version " + *version + " is not readable by this build "
                      "(it reads version " + std::to_string(kSchemaVersion) +
                      "); use a matching sundiald or a new data directory");
  }
  return ok();
}

Result<std::optional<std::string>> RocksDbStore::get(Cf cf, std::string_view key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[static_cast<size_t>(cf)], slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return std::unexpected(to_error(s, "read failed"));
  return std::optional<std::string>(std::move(value));
}

Result<void> RocksDbStore::scan(Cf cf, std::string_view begin, std::string_view end,
                                const ScanFn& fn) {
  rocksdb::ReadOptions read_options;
  rocksdb::Slice upper = slice(end);
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, handles_[static_cast<size_t>(cf)]));
  for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scan failed"));
  return ok();
}

Result<std::optional<std::string>> RocksDbStore::last_key(Cf cf) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<size_t>(cf)]));
  it->SeekToLast();
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scan failed"));
  if (!it->Valid()) return std::optional<std::string>();
  return std::optional<std::string>(it->key().ToString());
}

Result<void> RocksDbStore::write(std::span<const Batch* const> batches) {
  rocksdb::WriteBatch wb;
  for (const Batch* batch : batches) {
    for (const Batch::Op& op : batch->ops()) {
      auto* handle = handles_[static_cast<size_t>(op.cf)];
      rocksdb::Status s;
      switch (op.kind) {
        case Batch::OpKind::kPut: s = wb.Put(handle, slice(op.key), slice(op.value)); break;
        case Batch::OpKind::kDelete: s = wb.Delete(handle, slice(op.key)); break;
        case Batch::OpKind::kDeleteRange:
          s = wb.DeleteRange(handle, slice(op.key), slice(op.value));
          break;
      }
      if (!s.ok()) return std::unexpected(to_error(s, "batch build failed"));
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  rocksdb::Status s = db_->Write(write_options, &wb);
  if (!s.ok()) return std::unexpected(to_error(s, "synced write failed"));
  return ok();
}

uint64_t RocksDbStore::disk_bytes() const {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) total += v;
  }
  return total;
}

}  // namespace sundial
