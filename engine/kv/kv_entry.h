// The durable key-value facility's data (docs/kv.md): an entry of a
// namespace, how it is stored, and the rules for names, keys and values.
// Workflows keep small maps in it (a Notion page id → its GitHub issue and
// pull request numbers); every write bumps the entry's version, so a
// writer can compare-and-set on the version it read.
//
// Stored in the `kv` column family (docs/storage-format.md, "kv"):
//
//   <namespace> 0x00 <key>  → {"value", "version", "deleted", "created_at",
//                              "updated_at", "conflicts", "last_conflict"?,
//                              "history": [{"version", "op", "at", "by"}]}
//
// A delete is a tombstone: the entry stays, marked deleted, with its last
// value and its history, and a later put brings it back. `history` keeps
// the last kKvHistory changes; its `by` (the writing step's idempotency
// key, or "api") is how a step retried after a crash finds the write it
// made before it (kv_decide.h).
//
// Threading: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

inline constexpr size_t kKvHistory = 16;
inline constexpr size_t kMaxKvNamespace = 64;
inline constexpr size_t kMaxKvKey = 512;
inline constexpr size_t kMaxKvValueBytes = 64 * 1024;

enum class KvOp : uint8_t { kPut, kDelete };
std::string_view kv_op_name(KvOp op);

// One change of an entry.
struct KvChange {
  uint64_t version = 0;  // the version the change made
  KvOp op = KvOp::kPut;
  TimeMs at = 0;
  std::string by;  // the step's idempotency key, or "api"
};

// A compare-and-set that found another version.
struct KvConflict {
  TimeMs at = 0;
  std::string by;
  uint64_t expected = 0;  // the version the writer said it read
  uint64_t found = 0;     // the version the entry had
};

struct KvEntry {
  std::string ns;
  std::string key;
  nlohmann::json value;  // a tombstone keeps its last value
  uint64_t version = 0;  // 1 on the first put; 0 for an entry that does not exist
  bool deleted = false;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  uint64_t conflicts = 0;  // compare-and-sets refused, ever
  std::optional<KvConflict> last_conflict;
  std::vector<KvChange> history;  // oldest first, at most kKvHistory
};

// invalid_argument unless `ns` is 1-64 of [A-Za-z0-9._:-].
Result<void> check_kv_namespace(std::string_view ns);
// invalid_argument unless `key` is 1-512 bytes of valid UTF-8 without
// control characters.
Result<void> check_kv_key(std::string_view key);
// invalid_argument unless `value` can be stored (valid UTF-8, nested at
// most as deep as any stored value) and encodes to at most 64 KiB.
Result<void> check_kv_value(const nlohmann::json& value);

// The row key: namespace, 0x00, key. A namespace's rows are contiguous
// and ordered by key (so kv_row_key(ns, prefix) begins the rows of the
// keys that start with `prefix`).
std::string kv_row_key(std::string_view ns, std::string_view key);
// The key of a row of `ns` (nullopt when the row is of another namespace).
std::optional<std::string_view> kv_key_of_row(std::string_view ns, std::string_view row_key);

std::string encode_kv_entry(const KvEntry& entry);
// corruption when the bytes are not an entry.
Result<KvEntry> decode_kv_entry(std::string_view ns, std::string_view key, std::string_view bytes);

// The entry as the API and workflows see it; with_history adds `history`.
nlohmann::json kv_entry_to_json(const KvEntry& entry, bool with_history);

}  // namespace sundial
