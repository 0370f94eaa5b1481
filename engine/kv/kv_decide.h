// What a write to the key-value facility does to an entry (docs/kv.md):
// the pure decision, given the entry as stored (or none), with no I/O.
//
// - A write whose `by` (a step's idempotency key) is in the entry's
//   history was made already, by an earlier attempt of the same step that
//   a crash cut off before its result was journaled: it answers as that
//   write did (`replayed`) and changes nothing. This is what makes a
//   retried kv step exactly-once, like a provider's idempotency key.
// - `if_version` is a compare-and-set: the write happens only when the
//   entry's version is that (0: the entry does not exist). Another version
//   is a conflict: nothing is written but the entry's conflict count and
//   last_conflict, and the answer carries the entry as found, so the
//   workflow decides what to do.
// - A put of the value the live entry holds, or a delete of a deleted or
//   missing entry, changes nothing (`unchanged`): a poller that upserts
//   what it saw does not churn versions.
// - Else the entry gets the next version, the change goes into its
//   history (the last kKvHistory kept), and a delete leaves a tombstone
//   that keeps the value.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/kv/kv_entry.h"

namespace sundial {

inline constexpr std::string_view kKvApiWriter = "api";

struct KvWrite {
  KvOp op = KvOp::kPut;
  std::string ns;
  std::string key;
  nlohmann::json value;  // kPut
  std::optional<uint64_t> if_version;
  std::string by = std::string(kKvApiWriter);  // the step's idempotency key, or "api"
};

struct KvWriteResult {
  bool ok = false;        // written, replayed or unchanged; false: a conflict
  bool conflict = false;  // if_version did not match
  bool replayed = false;  // an earlier attempt of the same step wrote it
  bool unchanged = false;
  uint64_t version = 0;          // the entry's version after the write (or as found)
  std::optional<KvEntry> entry;  // the entry after the write (or as found); none when missing
};

struct KvDecision {
  std::optional<KvEntry> store;  // the row to write; none: nothing to write
  KvWriteResult result;
};

// invalid_argument for a write whose namespace, key or value is refused.
Result<void> check_kv_write(const KvWrite& write);

KvDecision decide_kv_write(const std::optional<KvEntry>& current, const KvWrite& write, TimeMs now);

// The result as workflows and the API see it: {ok, version, conflict?,
// replayed?, unchanged?, entry?}.
nlohmann::json kv_write_result_to_json(const KvWriteResult& result);

}  // namespace sundial
