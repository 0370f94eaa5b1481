#include "tools/bench/probe/probe_writer.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace sundial::bench::probe {

std::unique_ptr<ProbeWriter> ProbeWriter::open(const std::string& path, std::function<void()> wake_loop,
                                               std::string& error) {
  // Sundial's defaults (RocksDbStoreOptions), for one column family.
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  options.write_buffer_size = 8u << 20;
  options.keep_log_file_num = 4;
  options.max_total_wal_size = 16u << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32u << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    error = s.ToString();
    return nullptr;
  }
  return std::unique_ptr<ProbeWriter>(
      new ProbeWriter(std::unique_ptr<rocksdb::DB>(raw), std::move(wake_loop)));
}

ProbeWriter::ProbeWriter(std::unique_ptr<rocksdb::DB> db, std::function<void()> wake_loop)
    : db_(std::move(db)), wake_loop_(std::move(wake_loop)), writer_([this] { writer_main(); }) {}

ProbeWriter::~ProbeWriter() {
  stop();
  if (db_) db_->Close().PermitUncheckedError();
}

void ProbeWriter::submit(std::vector<Put> group) {
  if (group.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(group));
  }
  wake_writer_.notify_one();
}

std::vector<Ack> ProbeWriter::take_acks() {
  std::vector<Ack> out;
  std::lock_guard lock(mutex_);
  out.swap(acks_);
  return out;
}

void ProbeWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  if (writer_.joinable()) writer_.join();
}

uint64_t ProbeWriter::keys_written() const {
  std::lock_guard lock(mutex_);
  return keys_written_;
}

uint64_t ProbeWriter::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

void ProbeWriter::writer_main() {
  for (;;) {
    std::vector<std::vector<Put>> groups;
    {
      std::unique_lock lock(mutex_);
      wake_writer_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping and nothing left
      groups.swap(queued_);
    }
    rocksdb::WriteBatch batch;
    size_t keys = 0;
    for (const auto& group : groups) {
      for (const Put& p : group) {
        batch.Put(p.key, p.value).PermitUncheckedError();
        ++keys;
      }
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    bool ok = db_->Write(write_options, &batch).ok();
    {
      std::lock_guard lock(mutex_);
      ++writes_;
      if (ok) keys_written_ += keys;
      for (auto& group : groups) {
        for (Put& p : group) acks_.push_back(Ack{std::move(p.key), p.conn, p.seq, ok});
      }
    }
    wake_loop_();
  }
}

}  // namespace sundial::bench::probe
