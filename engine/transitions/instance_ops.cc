#include "engine/transitions/instance_ops.h"

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/utf8.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/storage/keys.h"

namespace sundial {

namespace {

// Stamps `entry` in place as the next entry of `inst` and encodes it.
Result<std::string> stamp_and_encode(const LiveInstance& inst, const Transition& tx, JournalEntry& entry) {
  entry.seq = inst.record.next_seq;
  entry.at = tx.now;
  entry.error = repair_utf8(entry.error);
  return encode_entry(entry);
}

}  // namespace

Result<PreparedEntry> prepare_entry(const LiveInstance& inst, const Transition& tx, JournalEntry entry) {
  SUNDIAL_ASSIGN_OR_RETURN(std::string bytes, stamp_and_encode(inst, tx, entry));
  return PreparedEntry{std::move(entry), std::move(bytes)};
}

uint32_t append_prepared(LiveInstance& inst, Transition& tx, PreparedEntry prepared) {
  JournalEntry& entry = prepared.entry;
  SUNDIAL_CHECK(entry.seq == inst.record.next_seq);
  inst.record.next_seq++;
  tx.batch.put(Cf::kJournal, keys::journal_key(inst.record.id, entry.seq), std::move(prepared.bytes));
  if (inst.ctx) inst.ctx->append(entry);
  return entry.seq;
}

uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry) {
  auto bytes = stamp_and_encode(inst, tx, entry);
  if (!bytes) {
    spdlog::error("instance '{}': a {} entry cannot be stored as built ({}); storing it repaired",
                  inst.record.id, entry_kind_name(entry.kind), bytes.error().message);
    entry.name = repair_utf8(entry.name);
    entry.data = storable_copy(entry.data);
    bytes = stamp_and_encode(inst, tx, entry);
    SUNDIAL_CHECK(bytes.has_value());
  }
  return append_prepared(inst, tx, PreparedEntry{std::move(entry), std::move(*bytes)});
}

void set_timer(LiveInstance& inst, Transition& tx, TimeMs due) {
  clear_timer(inst, tx);
  inst.record.timer_due = due;
  if (inst.timer_row()) {
    tx.batch.put(Cf::kTimers, keys::timer_key(due, inst.record.id), {});
    tx.timers_to_arm.push_back({due, inst.record.id});
  }
}

void clear_timer(LiveInstance& inst, Transition& tx) {
  if (inst.timer_row()) tx.batch.del(Cf::kTimers, keys::timer_key(inst.record.timer_due, inst.record.id));
  inst.record.timer_due = 0;
}

void add_event(const LiveInstance& inst, Transition& tx, EventType type, std::string name,
               std::string detail) {
  EngineEvent ev;
  ev.at = tx.now;
  ev.type = type;
  ev.instance_id = inst.record.id;
  ev.workflow_type = inst.record.type;
  ev.name = repair_utf8(name);
  ev.detail = repair_utf8(detail);
  tx.events.push_back(std::move(ev));
}

void set_status(LiveInstance& inst, Transition& tx, InstanceStatus status) {
  inst.record.status = status;
  inst.record.finished_at = is_finished(status) ? tx.now : 0;
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

}  // namespace

void write_instance(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  r.updated_at = tx.now;
  tx.batch.put(Cf::kInstances, r.id, encode_or_repair(r));
  if (!inst.persisted) {
    tx.batch.put(Cf::kIndex, keys::type_index_key(r.type, r.created_at, r.id), {});
  }
  if (!inst.persisted || inst.indexed_status != r.status) {
    if (inst.persisted) {
      tx.batch.del(Cf::kIndex, keys::status_index_key(inst.indexed_status, r.created_at, r.id));
      tx.batch.del(Cf::kIndex,
                   keys::type_status_index_key(r.type, inst.indexed_status, r.created_at, r.id));
    }
    tx.batch.put(Cf::kIndex, keys::status_index_key(r.status, r.created_at, r.id), {});
    tx.batch.put(Cf::kIndex, keys::type_status_index_key(r.type, r.status, r.created_at, r.id), {});
  }
  if (inst.indexed_finished_at != r.finished_at) {
    if (inst.indexed_finished_at) {
      tx.batch.del(Cf::kIndex, keys::finished_index_key(inst.indexed_finished_at, r.id));
    }
    if (r.finished_at) tx.batch.put(Cf::kIndex, keys::finished_index_key(r.finished_at, r.id), {});
  }
  inst.persisted = true;
  inst.indexed_status = r.status;
  inst.indexed_finished_at = r.finished_at;
}

void end_signal_wait(LiveInstance& inst, Transition& tx) {
  clear_timer(inst, tx);
  inst.record.await_kind = AwaitKind::kNone;
  inst.record.wait_signals.clear();
  set_status(inst, tx, InstanceStatus::kRunning);
}

}  // namespace sundial
