// Batch: the writes of one atomic transition, across column families
// (journal entry, instance record, timers, indexes, idempotency keys, events).
// The commit queue merges the batches of one loop turn into one synced write.
//
// Threading: a value; built on the loop thread, then moved to the writer.
#pragma once

#include <string>
#include <vector>

#include "engine/storage/column_families.h"

namespace sundial {

class Batch {
 public:
  enum class OpKind { kPut, kDelete, kDeleteRange };
  struct Op {
    OpKind kind;
    Cf cf;
    std::string key;
    std::string value;  // kPut: the value; kDeleteRange: the exclusive end key
  };

  void put(Cf cf, std::string key, std::string value);
  void del(Cf cf, std::string key);
  // Deletes every key in [begin, end).
  void delete_range(Cf cf, std::string begin, std::string end);
  void append(Batch&& other);

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  size_t byte_size() const { return bytes_; }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

}  // namespace sundial
