#include "engine/transitions/instance_ops.h"

#include "engine/codec/codec.h"
#include "engine/storage/keys.h"

namespace sundial {

uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry) {
  entry.seq = inst.record.next_seq++;
  entry.at = tx.now;
  tx.batch.put(Cf::kJournal, keys::journal_key(inst.record.id, entry.seq), encode_entry(entry));
  if (inst.ctx) inst.ctx->append(entry);
  return entry.seq;
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
  ev.name = std::move(name);
  ev.detail = std::move(detail);
  tx.events.push_back(std::move(ev));
}

void set_status(LiveInstance& inst, Transition& tx, InstanceStatus status) {
  inst.record.status = status;
  inst.record.finished_at = is_finished(status) ? tx.now : 0;
}

void write_instance(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  r.updated_at = tx.now;
  tx.batch.put(Cf::kInstances, r.id, encode_record(r));
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
