// retry: give a failed instance another go. The workflow is rebuilt from
// its journal, so it resumes at the step that failed (with a fresh attempt
// count) or re-runs the code that failed; completed steps do not run again.
// Policy `shift` (the default) moves every later sleep_until by the time
// the instance spent failed, as resume does for a pause, so a nurture
// retried three days late does not send three days of email back to back;
// `fire` keeps due times. An instance with a concurrency key whose slots
// are taken is queued instead, and runs when a slot frees up.
#include <algorithm>

#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

void reopen_failed(const InstanceView& view, Decision& d, ResumePolicy policy) {
  InstanceRecord& r = d.record;
  TimeMs now = d.tx.now;
  DurationMs shift = policy == ResumePolicy::kShift ? std::max<DurationMs>(0, now - r.finished_at) : 0;
  r.last_error.clear();
  r.attempt = 0;
  set_status(r, now, InstanceStatus::kRunning);
  JournalEntry entry;
  entry.kind = EntryKind::kRetried;
  entry.name = std::string(resume_policy_name(policy));
  entry.shift_ms = shift;
  d.entries.push_back(append_entry(r, d.tx, entry));
  add_event(r, d.tx, EventType::kRetried, {}, std::string(resume_policy_name(policy)));
  if (view.queue) {
    // Its key's slots are taken: it waits for one like a new start.
    d.entries.push_back(wait_for_slot(r, d.tx, *view.queue));
    d.then = Then::kNothing;
    return;
  }
  d.then = Then::kRebuildAndAdvance;
}

Result<Decision> decide(const InstanceView& view, const RetryCommand& cmd, TimeMs now) {
  if (view.record.status != InstanceStatus::kFailed) {
    return std::unexpected(wrong_status(view.record, "only failed instances can be retried"));
  }
  Decision d = change(view, now);
  reopen_failed(view, d, cmd.policy);
  return d;
}

}  // namespace sundial
