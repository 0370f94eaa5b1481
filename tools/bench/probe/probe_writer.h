// ProbeWriter: the probe server's group commit (tools/bench/probe/), the
// same shape as Sundial's CommitQueue without the engine: the loop hands
// each turn's puts over as one group; a writer thread takes every group
// waiting, writes them as ONE RocksDB WriteBatch with sync = true (one
// fsync per write), and only then hands the acks back. Nothing is acked
// before its write returned.
//
// Threading: open/submit/take_acks/stop on the loop thread; the writer
// thread touches only the DB and the two hand-over queues (one mutex).
// `wake_loop` runs on the writer thread after acks were queued (the
// server passes a uv_async_send). Ownership: owns the DB and the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rocksdb {
class DB;
}

namespace sundial::bench::probe {

struct Put {
  std::string key;
  std::string value;
  uint64_t conn = 0;  // who waits for the ack
  uint64_t seq = 0;   // which request of that connection
};

struct Ack {
  std::string key;
  uint64_t conn = 0;
  uint64_t seq = 0;
  bool ok = false;
};

class ProbeWriter {
 public:
  // Opens (creating) a RocksDB at `path` with Sundial's storage defaults
  // (engine/storage/rocksdb_store.h); nullptr and `error` set on failure.
  static std::unique_ptr<ProbeWriter> open(const std::string& path, std::function<void()> wake_loop,
                                           std::string& error);
  ~ProbeWriter();
  ProbeWriter(const ProbeWriter&) = delete;
  ProbeWriter& operator=(const ProbeWriter&) = delete;

  void submit(std::vector<Put> group);
  std::vector<Ack> take_acks();
  // Writes what is queued, then stops the writer. Idempotent.
  void stop();

  uint64_t keys_written() const;
  uint64_t writes() const;  // synced WriteBatches

 private:
  ProbeWriter(std::unique_ptr<rocksdb::DB> db, std::function<void()> wake_loop);
  void writer_main();

  std::unique_ptr<rocksdb::DB> db_;
  std::function<void()> wake_loop_;
  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::vector<std::vector<Put>> queued_;
  std::vector<Ack> acks_;
  uint64_t keys_written_ = 0;
  uint64_t writes_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace sundial::bench::probe
