// retry: give a failed instance another go. The workflow is rebuilt from
// its journal, so it resumes at the step that failed (with a fresh attempt
// count) or re-runs the code that failed; completed steps do not run again.
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
  d.then = Then::kRebuildAndAdvance;
  return d;
}

}  // namespace sundial
