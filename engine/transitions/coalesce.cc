// coalesce: a start whose concurrency key is busy, with on_busy
// "coalesce", folds into the key's queued follow-up instead of queueing a
// run of its own; a debounced start folds into the key's debouncing run
// and moves its timer. The follow-up has not run yet, so it will start with the
// latest input (merge "latest") or with every folded input in arrival
// order (merge "list"): a burst of changes becomes one more run, and the
// last start is never lost.
#include "engine/codec/codec.h"
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<Decision> decide(const InstanceView& view, const CoalesceCommand& cmd, TimeMs now) {
  const InstanceRecord& current = view.record;
  if (current.status != InstanceStatus::kQueued || !current.concurrency) {
    return std::unexpected(wrong_status(current, "only a queued instance takes coalesced starts"));
  }
  // Folding into anything else would change what another caller started:
  // a waiter that queues, another type, another merge, or a retried run
  // whose journal was built from its own input.
  bool foldable = cmd.debounced ? slot_state(current) == SlotState::kDebouncing
                                : current.concurrency->on_busy == OnBusy::kCoalesce;
  if (!foldable || current.type != cmd.type || current.concurrency->merge != cmd.merge ||
      !cmd.target_never_ran) {
    return std::unexpected(Error{
        ErrorCode::kConflict, "instance '" + current.id + "' is not a follow-up this start may fold into"});
  }
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  SUNDIAL_TRY(fold_input(r.input, cmd.input, r.concurrency->merge));
  SUNDIAL_TRY(check_storable(r.input, "the coalesced input"));
  JournalEntry entry;
  entry.kind = cmd.debounced ? EntryKind::kDebounced : EntryKind::kCoalesced;
  entry.name = cmd.requested_id;
  entry.data = cmd.input;
  if (cmd.debounced) entry.due = r.concurrency->debounce_due(r.created_at, now);
  SUNDIAL_ASSIGN_OR_RETURN(PreparedEntry prepared, prepare_entry(r, now, std::move(entry)));
  if (cmd.debounced) set_timer(r, d.tx, prepared.entry.due);
  d.entries.push_back(append_prepared(r, d.tx, std::move(prepared)));
  add_event(r, d.tx, cmd.debounced ? EventType::kDebounced : EventType::kCoalesced, r.concurrency->key,
            cmd.requested_id);
  d.remember = cmd.remember;
  return d;
}

}  // namespace sundial
