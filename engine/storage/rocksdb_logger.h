// RocksDbLogger: RocksDB's info log, sent to sundiald's own log (spdlog) at
// WARN and above, so a damaged WAL or a background error is never silent.
// It also keeps what RocksDB reports about damaged WAL records during
// recovery ("<file>: dropping N bytes; <why>"), which RocksDbStore uses to
// name the damaged file in its refusal to open and which the salvage filter
// uses to drop everything after the damage.
//
// Threading: RocksDB calls it from its own threads; every method is
// thread-safe. Ownership: shared by the store and rocksdb::DBOptions.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <rocksdb/env.h>

namespace sundial {

struct WalDamage {
  std::vector<std::string> reports;  // RocksDB's words, one per damaged stretch
  std::vector<std::string> files;    // damaged WAL files, in report order, no repeats
  uint64_t bytes_dropped = 0;
};

class RocksDbLogger final : public rocksdb::Logger {
 public:
  RocksDbLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

  // True once a damaged WAL record was reported (since the last clear).
  bool damage_seen() const { return damage_seen_.load(std::memory_order_acquire); }
  WalDamage damage() const;
  void clear_damage();

 private:
  void record(rocksdb::InfoLogLevel level, const std::string& line);

  std::atomic<bool> damage_seen_{false};
  mutable std::mutex mutex_;
  WalDamage damage_;  // guarded by mutex_
};

}  // namespace sundial
