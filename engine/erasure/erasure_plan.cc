#include "engine/erasure/erasure_plan.h"

#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/audit/audit_entry.h"
#include "engine/base/coding.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/queries.h"
#include "engine/runtime/live_ops.h"
#include "engine/storage/keys.h"

namespace sundial {

Result<ErasurePlan> plan_erasure(Store& store, const SearchAttribute& attr, PlanDepth depth, size_t limit) {
  ErasurePlan plan;
  const std::string wanted = search_value(attr.value);
  const std::string prefix = keys::attr_index_prefix(attr.name, wanted);
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
    if (depth == PlanDepth::kRecords) {
      plan.targets.push_back(std::move(target));
      continue;
    }
    for (const std::string& owned : {keys::past_run_prefix(id), keys::child_prefix(id)}) {
      SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, owned, [&](std::string_view key, std::string_view) {
        target.index_rows.emplace_back(key);
        return true;
      }));
    }
    SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::notice_prefix() + id + std::string(1, '\0'),
                            [&](std::string_view, std::string_view) {
                              target.notices++;
                              return true;
                            }));
    by_id.emplace(id, plan.targets.size());
    plan.targets.push_back(std::move(target));
  }
  if (plan.targets.empty() || depth == PlanDepth::kRecords) return plan;
  // Keys that name a target (its start's, its signals'): one pass.
  SUNDIAL_TRY(store.scan(Cf::kIdempotency, {}, {}, [&](std::string_view key, std::string_view value) {
    nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (!v.is_object() || !v.contains("instance") || !v["instance"].is_string()) return true;
    auto it = by_id.find(v["instance"].get<std::string>());
    if (it == by_id.end()) return true;
    auto at = v.find("expires");
    TimeMs expires = at != v.end() && at->is_number_integer() ? at->get<TimeMs>() : 0;
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
  // The audit entries whose target names a target, or holds the value
  // (`nurture:<email>`, also of instances gone before): one pass. Their
  // rewrites go with the first target.
  SUNDIAL_TRY(store.scan(Cf::kAudit, {}, {}, [&](std::string_view key, std::string_view bytes) {
    auto entry = decode_audit_entry(key, bytes);
    if (!entry || entry->target.empty()) return true;
    auto it = by_id.find(entry->target);
    bool names_target = it != by_id.end() && entry->route.find("/instances") != std::string::npos;
    if (!names_target && search_value(entry->target).find(wanted) == std::string::npos) return true;
    entry->target = std::string(kErasedTarget);
    plan.targets[names_target ? it->second : 0].audit_rewrites.emplace_back(std::string(key),
                                                                            encode_audit_entry(*entry));
    return true;
  }));
  return plan;
}

void stage_erasure(const ErasureTarget& target, Batch& batch) {
  const InstanceRecord& r = target.record;
  batch.del(Cf::kInstances, r.id);
  batch.delete_range(Cf::kJournal, keys::journal_all_runs_begin(r.id), keys::journal_all_runs_end(r.id));
  // (the index family takes no range deletes: one by one; index_rows below)
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
  for (const auto& [key, value] : target.audit_rewrites) batch.put(Cf::kAudit, key, value);
}

}  // namespace sundial
