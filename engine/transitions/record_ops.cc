#include "engine/transitions/record_ops.h"

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/utf8.h"
#include "engine/codec/codec.h"
#include "engine/storage/keys.h"

namespace sundial {

namespace {

// Stamps `entry` in place as the next entry of `r` and encodes it.
Result<std::string> stamp_and_encode(const InstanceRecord& r, TimeMs now, JournalEntry& entry) {
  entry.seq = r.next_seq;
  entry.at = now;
  entry.error = repair_utf8(entry.error);
  return encode_entry(entry);
}

}  // namespace

Result<PreparedEntry> prepare_entry(const InstanceRecord& r, TimeMs now, JournalEntry entry) {
  SUNDIAL_ASSIGN_OR_RETURN(std::string bytes, stamp_and_encode(r, now, entry));
  return PreparedEntry{std::move(entry), std::move(bytes)};
}

JournalEntry append_prepared(InstanceRecord& r, Transition& tx, PreparedEntry prepared) {
  SUNDIAL_CHECK(prepared.entry.seq == r.next_seq);
  r.next_seq++;
  tx.batch.put(Cf::kJournal, keys::journal_key(r.id, r.run, prepared.entry.seq), std::move(prepared.bytes));
  return std::move(prepared.entry);
}

JournalEntry append_entry(InstanceRecord& r, Transition& tx, JournalEntry entry) {
  auto bytes = stamp_and_encode(r, tx.now, entry);
  if (!bytes) {
    spdlog::error("instance '{}': a {} entry cannot be stored as built ({}); storing it repaired", r.id,
                  entry_kind_name(entry.kind), bytes.error().message);
    entry.name = repair_utf8(entry.name);
    entry.data = storable_copy(entry.data);
    bytes = stamp_and_encode(r, tx.now, entry);
    SUNDIAL_CHECK(bytes.has_value());
  }
  return append_prepared(r, tx, PreparedEntry{std::move(entry), std::move(*bytes)});
}

void set_timer(InstanceRecord& r, Transition& tx, TimeMs due) {
  clear_timer(r, tx);
  r.timer_due = due;
  if (has_timer_row(r)) {
    tx.batch.put(Cf::kTimers, keys::timer_key(due, r.id), {});
    tx.timers_to_arm.push_back({due, r.id});
  }
}

void clear_timer(InstanceRecord& r, Transition& tx) {
  if (has_timer_row(r)) tx.batch.del(Cf::kTimers, keys::timer_key(r.timer_due, r.id));
  r.timer_due = 0;
}

void add_event(const InstanceRecord& r, Transition& tx, EventType type, std::string name,
               std::string detail) {
  EngineEvent ev;
  ev.at = tx.now;
  ev.type = type;
  ev.instance_id = r.id;
  ev.workflow_type = r.type;
  ev.name = repair_utf8(name);
  ev.detail = repair_utf8(detail);
  tx.events.push_back(std::move(ev));
}

void set_status(InstanceRecord& r, TimeMs now, InstanceStatus status) {
  r.status = status;
  r.finished_at = is_finished(status) ? now : 0;
}

JournalEntry wait_for_slot(InstanceRecord& r, Transition& tx, const QueuePlace& place) {
  set_status(r, tx.now, InstanceStatus::kQueued);
  r.queue_seq = place.seq;
  JournalEntry queued;
  queued.kind = EntryKind::kQueued;
  queued.name = r.concurrency->key;
  queued.data = {{"position", place.position}};
  add_event(r, tx, EventType::kQueued, r.concurrency->key);
  return append_entry(r, tx, std::move(queued));
}

void end_signal_wait(InstanceRecord& r, Transition& tx) {
  clear_timer(r, tx);
  r.await_kind = AwaitKind::kNone;
  r.wait_signals.clear();
  set_status(r, tx.now, InstanceStatus::kRunning);
}

Error wrong_status(const InstanceRecord& r, std::string_view what) {
  return Error{ErrorCode::kConflict,
               "instance '" + r.id + "' is " + std::string(status_name(r.status)) + "; " + std::string(what)};
}

}  // namespace sundial
