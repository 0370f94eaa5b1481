#include "engine/codec/slot_rows.h"

#include "engine/base/coding.h"

namespace sundial {

std::string slot_row_value(uint32_t limit) {
  std::string out;
  put_u32_be(out, limit);
  return out;
}

std::string slot_row_key(const SlotEntry& e, keys::SlotSpace space) {
  return keys::slot_index_key(e.key, static_cast<uint8_t>(e.state), e.seq, e.id, space);
}

Result<std::vector<SlotEntry>> read_slot_rows(Store& store, keys::SlotSpace space) {
  std::vector<SlotEntry> out;
  bool corrupt = false;
  SUNDIAL_TRY(scan_prefix(
      store, Cf::kIndex, keys::slot_index_prefix(space), [&](std::string_view key, std::string_view value) {
        auto parsed = keys::parse_slot_index_key(key, space);
        auto limit = get_u32_be(value);
        if (!parsed || !limit || *limit == 0 || parsed->state == static_cast<uint8_t>(SlotState::kNone) ||
            parsed->state > static_cast<uint8_t>(SlotState::kDebouncing)) {
          corrupt = true;
          return false;
        }
        out.push_back(SlotEntry{std::move(parsed->key), std::move(parsed->id),
                                static_cast<SlotState>(parsed->state), parsed->seq, *limit});
        return true;
      }));
  if (corrupt) return make_error(ErrorCode::kCorruption, "a concurrency slot index entry is malformed");
  return out;
}

Result<size_t> slot_position(Store& store, keys::SlotSpace space, std::string_view key, uint64_t seq) {
  std::string prefix = keys::slot_index_key_prefix(key, space);
  prefix.push_back(static_cast<char>(SlotState::kQueued));
  size_t ahead = 0;
  SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, prefix, [&](std::string_view row, std::string_view) {
    auto parsed = keys::parse_slot_index_key(row, space);
    if (!parsed || parsed->seq >= seq) return false;
    ++ahead;
    return true;
  }));
  return ahead + 1;
}

}  // namespace sundial
