#include "engine/runtime/live_ops.h"

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/coding.h"
#include "engine/base/utf8.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/codec/slot_rows.h"
#include "engine/storage/keys.h"

namespace sundial {

uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry) {
  JournalEntry stored = append_entry(inst.record, tx, std::move(entry));
  if (inst.ctx) inst.ctx->append(stored);
  return stored.seq;
}

namespace {

// The record's bytes; what cannot be stored is repaired in `r` itself.
std::string encode_or_repair(InstanceRecord& r) {
  r.last_error = repair_utf8(r.last_error);
  r.cancel_reason = repair_utf8(r.cancel_reason);
  auto bytes = encode_record(r);
  if (bytes) return std::move(*bytes);
  spdlog::error("instance '{}': its record cannot be stored as built ({}); storing it repaired", r.id,
                bytes.error().message);
  r.input = storable_copy(r.input);
  r.step_name = repair_utf8(r.step_name);
  r.idempotency_key = repair_utf8(r.idempotency_key);
  for (std::string& s : r.wait_signals) s = repair_utf8(s);
  bytes = encode_record(r);
  SUNDIAL_CHECK(bytes.has_value());  // id and type are validated ASCII at start
  return std::move(*bytes);
}

// Whether storage lists the instance in the version index (holds_version
// of the record as stored).
bool version_indexed(const LiveInstance& inst) {
  return inst.persisted && !inst.indexed_version.empty() &&
         inst.indexed_status != InstanceStatus::kCompleted &&
         inst.indexed_status != InstanceStatus::kCancelled;
}

}  // namespace

void retire_run(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  SUNDIAL_DCHECK(is_finished(r.status));
  tx.batch.put(Cf::kIndex, keys::past_run_key(r.id, r.run), encode_or_repair(r));
  if (inst.persisted) {
    // As storage holds them (a run that continues as new is still running there).
    tx.batch.del(Cf::kIndex, keys::type_index_key(r.type, r.created_at, r.id));
    tx.batch.del(Cf::kIndex, keys::status_index_key(inst.indexed_status, r.created_at, r.id));
    tx.batch.del(Cf::kIndex, keys::type_status_index_key(r.type, inst.indexed_status, r.created_at, r.id));
    if (version_indexed(inst)) {
      tx.batch.del(Cf::kIndex, keys::version_index_key(r.type, inst.indexed_version, r.id));
    }
    if (is_attached_child(r)) tx.batch.del(Cf::kIndex, keys::child_key(r.parent_id, r.id));
    // Only the id's latest run is found by its attributes.
    for (const SearchAttribute& a : r.search_attributes) {
      tx.batch.del(Cf::kIndex, keys::attr_index_key(a.name, a.value, r.id));
    }
    if (inst.indexed_finished_at) {
      tx.batch.del(Cf::kIndex, keys::finished_index_key(inst.indexed_finished_at, r.id));
    }
  }
  if (r.run > kPastRunsKept) {
    uint32_t pruned = r.run - kPastRunsKept;
    tx.batch.del(Cf::kIndex, keys::past_run_key(r.id, pruned));
    std::string journal = keys::journal_prefix(r.id, pruned);
    tx.batch.delete_range(Cf::kJournal, journal, prefix_successor(journal));
  }
  inst.persisted = false;
  inst.indexed_status = InstanceStatus::kRunning;
  inst.indexed_finished_at = 0;
  inst.indexed_version.clear();
}

std::string slot_index_key_of(const InstanceRecord& r) {
  SlotState state = slot_state(r);
  if (state == SlotState::kNone) return {};
  return slot_row_key(SlotEntry{r.concurrency->key, r.id, state, r.queue_seq, r.concurrency->limit},
                      keys::SlotSpace::kInstances);
}

void write_instance(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  r.updated_at = tx.now;
  tx.batch.put(Cf::kInstances, r.id, encode_or_repair(r));
  if (!inst.persisted) {
    tx.batch.put(Cf::kIndex, keys::type_index_key(r.type, r.created_at, r.id), {});
    if (is_attached_child(r)) tx.batch.put(Cf::kIndex, keys::child_key(r.parent_id, r.id), {});
    // In the start's commit: an acknowledged start is findable by its keys.
    for (const SearchAttribute& a : r.search_attributes) {
      tx.batch.put(Cf::kIndex, keys::attr_index_key(a.name, a.value, r.id), {});
    }
  }
  if (!inst.persisted || inst.indexed_status != r.status) {
    if (inst.persisted) {
      tx.batch.del(Cf::kIndex, keys::status_index_key(inst.indexed_status, r.created_at, r.id));
      tx.batch.del(Cf::kIndex, keys::type_status_index_key(r.type, inst.indexed_status, r.created_at, r.id));
    }
    tx.batch.put(Cf::kIndex, keys::status_index_key(r.status, r.created_at, r.id), {});
    tx.batch.put(Cf::kIndex, keys::type_status_index_key(r.type, r.status, r.created_at, r.id), {});
  }
  // The version index holds the instances that may still run their version.
  bool stored_in_version_index = version_indexed(inst);
  bool version_index = holds_version(r);
  if (stored_in_version_index && (!version_index || inst.indexed_version != r.version)) {
    tx.batch.del(Cf::kIndex, keys::version_index_key(r.type, inst.indexed_version, r.id));
  }
  if (version_index && (!stored_in_version_index || inst.indexed_version != r.version)) {
    tx.batch.put(Cf::kIndex, keys::version_index_key(r.type, r.version, r.id), {});
  }
  if (inst.indexed_finished_at != r.finished_at) {
    if (inst.indexed_finished_at) {
      tx.batch.del(Cf::kIndex, keys::finished_index_key(inst.indexed_finished_at, r.id));
    }
    if (r.finished_at) tx.batch.put(Cf::kIndex, keys::finished_index_key(r.finished_at, r.id), {});
  }
  std::string slot_key = slot_index_key_of(r);
  if (slot_key != inst.indexed_slot_key) {
    if (!inst.indexed_slot_key.empty()) tx.batch.del(Cf::kIndex, inst.indexed_slot_key);
    if (!slot_key.empty()) tx.batch.put(Cf::kIndex, slot_key, slot_row_value(r.concurrency->limit));
    inst.indexed_slot_key = std::move(slot_key);
  }
  inst.persisted = true;
  inst.indexed_status = r.status;
  inst.indexed_version = r.version;
  inst.indexed_finished_at = r.finished_at;
}

}  // namespace sundial
