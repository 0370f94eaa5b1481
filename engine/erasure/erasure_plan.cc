#include "engine/erasure/erasure_plan.h"

#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/base/coding.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/queries.h"
#include "engine/runtime/live_ops.h"
#include "engine/storage/keys.h"

namespace sundial {

Result<ErasurePlan> plan_erasure(Store& store, const SearchAttribute& attr, size_t limit) {
  ErasurePlan plan;
  const std::string prefix = keys::attr_index_prefix(attr.name, attr.value);
  std::vector<std::string> ids;
  SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, prefix, [&](std::string_view key, std::string_view) {
    if (ids.size() == limit) {
      plan.more = true;
      return false;
    }
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  std::unordered_map<std::string, size_t> by_id;
  for (const std::string& id : ids) {
    auto record = describe_instance(store, id);
    if (!record && record.error().code == ErrorCode::kNotFound) continue;  // deleted meanwhile
    if (!record) return std::unexpected(record.error());
    ErasureTarget target;
    target.record = std::move(*record);
    SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::past_run_prefix(id), [&](std::string_view key, std::string_view v) {
      auto past = decode_record(v);
      if (past) target.past_runs.push_back(past->run);
      (void)key;
      return true;
    }));
    for (const std::string& owned : {keys::child_prefix(id), keys::notice_prefix() + id + std::string(1, '\0')}) {
      SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, owned, [&](std::string_view key, std::string_view) {
        target.index_rows.emplace_back(key);
        return true;
      }));
    }
    by_id.emplace(id, plan.targets.size());
    plan.targets.push_back(std::move(target));
  }
  if (plan.targets.empty()) return plan;
  // Keys that name a target (its start's, its signals'): one pass.
  SUNDIAL_TRY(store.scan(Cf::kIdempotency, {}, {}, [&](std::string_view key, std::string_view value) {
    nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (!v.is_object() || !v.contains("instance") || !v["instance"].is_string()) return true;
    auto it = by_id.find(v["instance"].get<std::string>());
    if (it == by_id.end()) return true;
    TimeMs expires = v.value("expires", TimeMs{0});
    plan.targets[it->second].idempotency.emplace_back(std::string(key), expires);
    return true;
  }));
  // The retained events about a target: one pass over the capped log.
  SUNDIAL_TRY(store.scan(Cf::kEvents, {}, {}, [&](std::string_view key, std::string_view value) {
    auto event = decode_event(value);
    if (!event) return true;
    auto it = by_id.find(event->instance_id);
    if (it != by_id.end()) plan.targets[it->second].event_rows.emplace_back(key);
    return true;
  }));
  return plan;
}

void stage_erasure(const ErasureTarget& target, Batch& batch) {
  const InstanceRecord& r = target.record;
  batch.del(Cf::kInstances, r.id);
  batch.delete_range(Cf::kJournal, keys::journal_all_runs_begin(r.id), keys::journal_all_runs_end(r.id));
  // (the index family takes no range deletes: one by one)
  for (uint32_t run : target.past_runs) batch.del(Cf::kIndex, keys::past_run_key(r.id, run));
  batch.del(Cf::kIndex, keys::status_index_key(r.status, r.created_at, r.id));
  batch.del(Cf::kIndex, keys::type_index_key(r.type, r.created_at, r.id));
  batch.del(Cf::kIndex, keys::type_status_index_key(r.type, r.status, r.created_at, r.id));
  if (r.finished_at) batch.del(Cf::kIndex, keys::finished_index_key(r.finished_at, r.id));
  if (holds_version(r)) batch.del(Cf::kIndex, keys::version_index_key(r.type, r.version, r.id));
  if (is_attached_child(r)) batch.del(Cf::kIndex, keys::child_key(r.parent_id, r.id));
  if (std::string slot = slot_index_key_of(r); !slot.empty()) batch.del(Cf::kIndex, slot);
  if (has_timer_row(r)) batch.del(Cf::kTimers, keys::timer_key(r.timer_due, r.id));
  for (const SearchAttribute& a : r.search_attributes) {
    batch.del(Cf::kIndex, keys::attr_index_key(a.name, a.value, r.id));
  }
  for (const std::string& row : target.index_rows) batch.del(Cf::kIndex, row);
  for (const auto& [key, expires] : target.idempotency) {
    batch.del(Cf::kIdempotency, key);
    batch.del(Cf::kIndex, keys::idempotency_expiry_key(expires, key));
  }
  for (const std::string& row : target.event_rows) batch.del(Cf::kEvents, row);
}

}  // namespace sundial
