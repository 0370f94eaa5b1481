#include "engine/storage/batch.h"

#include <iterator>
#include <utility>

namespace sundial {

void Batch::put(Cf cf, std::string key, std::string value) {
  bytes_ += key.size() + value.size();
  ops_.push_back(Op{OpKind::kPut, cf, std::move(key), std::move(value)});
}

void Batch::del(Cf cf, std::string key) {
  bytes_ += key.size();
  ops_.push_back(Op{OpKind::kDelete, cf, std::move(key), {}});
}

void Batch::delete_range(Cf cf, std::string begin, std::string end) {
  bytes_ += begin.size() + end.size();
  ops_.push_back(Op{OpKind::kDeleteRange, cf, std::move(begin), std::move(end)});
}

void Batch::append(Batch&& other) {
  bytes_ += other.bytes_;
  if (ops_.empty()) {
    ops_ = std::move(other.ops_);
  } else {
    ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
                std::make_move_iterator(other.ops_.end()));
  }
  other.ops_.clear();
  other.bytes_ = 0;
}

}  // namespace sundial
