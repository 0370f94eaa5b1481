// pause: hold an instance. Its timer row leaves the `timers` column family
// (the record keeps the due time for resume), so nothing fires; a step
// already running finishes and its result is journaled, but the workflow
// does not move on until resume. Pausing a paused instance changes nothing.
#include "engine/storage/keys.h"
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<Decision> decide(const InstanceView& view, const PauseCommand&, TimeMs now) {
  const InstanceRecord& current = view.record;
  if (is_finished(current.status)) {
    return std::unexpected(wrong_status(current, "only running or waiting instances can be paused"));
  }
  if (current.status == InstanceStatus::kQueued) {
    return std::unexpected(wrong_status(current, "a queued instance cannot be paused; cancel it instead"));
  }
  Decision d = change(view, now);
  if (current.status == InstanceStatus::kPaused) return d;
  InstanceRecord& r = d.record;
  if (has_timer_row(r)) d.tx.batch.del(Cf::kTimers, keys::timer_key(r.timer_due, r.id));
  r.status_before_pause = r.status;
  r.paused_at = now;
  set_status(r, now, InstanceStatus::kPaused);
  JournalEntry entry;
  entry.kind = EntryKind::kPaused;
  d.entries.push_back(append_entry(r, d.tx, entry));
  add_event(r, d.tx, EventType::kPaused);
  return d;
}

}  // namespace sundial
