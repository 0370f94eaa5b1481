#include "engine/storage/insert_hints.h"

namespace sundial {
namespace {

// An index layout up to its first time field: after the tag, `texts`
// 0x00-terminated text fields, then `fixed` bytes (a status byte, a
// priority).
struct HintLayout {
  int texts = 0;
  size_t fixed = 0;
};

std::optional<HintLayout> layout_of(char tag) {
  switch (tag) {
    case 'S':
      return HintLayout{0, 1};  // S · status · created · id
    case 'T':
      return HintLayout{1, 0};  // T · type 0x00 · created · id
    case 'U':
      return HintLayout{1, 1};  // U · type 0x00 · status · created · id
    case 'F':
      return HintLayout{0, 0};  // F · finished · id
    case 'X':
      return HintLayout{0, 0};  // X · expiry · key
    case 'R':
      // R · queue 0x00 · type 0x00 · u32 priority · ready · seq · id: not
      // the priority, which may take a million values (each stream costs
      // the memtable a remembered position).
      return HintLayout{2, 0};
    case 'Q':
      return HintLayout{1, 1};  // Q · queue 0x00 · status · created · id
    case 'K':
      return HintLayout{0, 0};  // K · finished · id
    default:
      return std::nullopt;
  }
}

class IndexInsertHints final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "sundial.IndexInsertHints"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    auto n = index_insert_hint_prefix(std::string_view(key.data(), key.size()));
    return rocksdb::Slice(key.data(), n.value_or(key.size()));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return index_insert_hint_prefix(std::string_view(key.data(), key.size())).has_value();
  }
};

}  // namespace

std::optional<size_t> index_insert_hint_prefix(std::string_view key) {
  if (key.empty()) return std::nullopt;
  auto layout = layout_of(key[0]);
  if (!layout) return std::nullopt;
  size_t at = 1;
  for (int i = 0; i < layout->texts; ++i) {
    size_t end = key.find('\0', at);
    if (end == std::string_view::npos) return std::nullopt;
    at = end + 1;
  }
  at += layout->fixed;
  if (at > key.size()) return std::nullopt;
  return at;
}

std::shared_ptr<const rocksdb::SliceTransform> index_insert_hints() {
  static const auto hints = std::make_shared<const IndexInsertHints>();
  return hints;
}

}  // namespace sundial
