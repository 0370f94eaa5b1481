#include "engine/storage/wal_salvage_filter.h"

#include <rocksdb/write_batch.h>

namespace sundial {
namespace {

// A WriteBatch's encoding starts with its fixed64 sequence number.
uint64_t batch_sequence(const rocksdb::WriteBatch& batch) {
  const std::string& rep = batch.Data();
  if (rep.size() < 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(rep[static_cast<size_t>(i)]);
  return v;
}

}  // namespace

rocksdb::WalFilter::WalProcessingOption WalSalvageFilter::LogRecordFound(unsigned long long,
                                                                         const std::string&,
                                                                         const rocksdb::WriteBatch& batch,
                                                                         rocksdb::WriteBatch*,
                                                                         bool* batch_changed) {
  *batch_changed = false;
  uint64_t sequence = batch_sequence(batch);
  if (!cut_ && (logger_.damage_seen() || (next_sequence_ != 0 && sequence != next_sequence_))) cut_ = true;
  if (cut_) {
    ++dropped_;
    return WalProcessingOption::kIgnoreCurrentRecord;
  }
  next_sequence_ = sequence + batch.Count();
  ++kept_;
  return WalProcessingOption::kContinueProcessing;
}

}  // namespace sundial
