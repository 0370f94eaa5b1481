// WalSalvageFilter: the WAL filter of a salvage open (`sundiald
// --recover=salvage`). RocksDB runs in kSkipAnyCorruptedRecords mode and
// reports each damaged stretch to the RocksDbLogger; from the first damage
// on, this filter drops every later record too, so what survives is the
// consistent prefix of the log — the state after some acknowledged write —
// and not a state with holes in it. It counts what it kept and dropped.
//
// A record also counts as "after the damage" when its sequence number does
// not follow the previous record's (a record lost without a report).
//
// Threading: RocksDB calls it during DB::Open on the opening thread.
// Ownership: owned by RocksDbStore; borrows the logger.
#pragma once

#include <cstdint>

#include <rocksdb/wal_filter.h>

#include "engine/storage/rocksdb_logger.h"

namespace sundial {

class WalSalvageFilter final : public rocksdb::WalFilter {
 public:
  explicit WalSalvageFilter(const RocksDbLogger& logger) : logger_(logger) {}

  WalProcessingOption LogRecordFound(unsigned long long log_number, const std::string& log_file_name,
                                     const rocksdb::WriteBatch& batch, rocksdb::WriteBatch* new_batch,
                                     bool* batch_changed) override;
  const char* Name() const override { return "SundialWalSalvageFilter"; }

  uint64_t kept() const { return kept_; }
  // Intact records dropped because they came after damage.
  uint64_t dropped() const { return dropped_; }

 private:
  const RocksDbLogger& logger_;
  bool cut_ = false;
  uint64_t next_sequence_ = 0;  // 0: no record seen yet
  uint64_t kept_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace sundial
