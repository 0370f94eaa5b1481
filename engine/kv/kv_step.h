// The key-value facility as workflow steps (docs/kv.md): a get, put or
// delete of one entry run as a durable step, so a replay returns what the
// step answered the first time and a retry after a crash finds the write
// it made (the write is tagged with the step's idempotency key). C++
// workflows use it with Context::step_async; Lua's ctx:kv builds the same
// step (workflows/lua/effects/kv_effect.cc).
//
//   get     → {found, key, value, version, deleted, created_at, updated_at,
//              conflicts, last_conflict?}; a missing entry: {found = false,
//              key, version = 0}
//   put     → {ok, version, conflict?, replayed?, unchanged?, entry}
//   delete  → the same; a delete leaves a tombstone (deleted = true)
//
// A conflict is an answer (ok = false, conflict = true, entry as found),
// not a failure: the workflow decides. Storage errors fail the attempt
// (retryable per the step's policy); a refused namespace, key or value
// fails it for good.
//
// Threading: the step body runs on the loop thread. Ownership: it borrows
// the KvService, which outlives every instance (the Engine owns it).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/kv/kv_service.h"
#include "engine/runtime/context.h"

namespace sundial {

struct KvStepRequest {
  enum class Kind { kGet, kPut, kDelete };
  Kind kind = Kind::kGet;
  std::string ns;
  std::string key;
  nlohmann::json value;  // kPut
  std::optional<uint64_t> if_version;
};

// invalid_argument for a request the facility would refuse (checked when
// the workflow asks, before a step is journaled).
Result<void> check_kv_step(const KvStepRequest& request);

AsyncStepFn kv_step(KvService& kv, KvStepRequest request);

}  // namespace sundial
