// retry: give a failed instance another go. The workflow is rebuilt from
// its journal, so it resumes at the step that failed (with a fresh attempt
// count) or re-runs the code that failed; completed steps do not run again.
// An instance with a concurrency key whose slots are taken is queued
// instead, and runs when a slot frees up.
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<Decision> decide(const InstanceView& view, const RetryCommand&, TimeMs now) {
  if (view.record.status != InstanceStatus::kFailed) {
    return std::unexpected(wrong_status(view.record, "only failed instances can be retried"));
  }
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  r.last_error.clear();
  r.attempt = 0;
  set_status(r, now, InstanceStatus::kRunning);
  JournalEntry entry;
  entry.kind = EntryKind::kRetried;
  d.entries.push_back(append_entry(r, d.tx, entry));
  add_event(r, d.tx, EventType::kRetried);
  if (view.queue) {
    // Its key's slots are taken: it waits for one like a new start.
    d.entries.push_back(wait_for_slot(r, d.tx, *view.queue));
    d.then = Then::kNothing;
    return d;
  }
  d.then = Then::kRebuildAndAdvance;
  return d;
}

}  // namespace sundial
