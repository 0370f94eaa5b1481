// resume: release a paused instance. Policy `shift` (the default) moves the
// pending timer, and every later sleep_until of the workflow, by the time
// spent paused, so a schedule keeps its spacing; `fire` keeps due times, so
// what came due while paused fires at once. A signal that arrived while
// paused and that the workflow waits for is delivered once the workflow is
// replayed to where it waits (Then::kAdvanceAndTakeLate).
#include <algorithm>

#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

std::optional<ResumePolicy> parse_resume_policy(std::string_view name) {
  if (name == "shift") return ResumePolicy::kShift;
  if (name == "fire") return ResumePolicy::kFire;
  return std::nullopt;
}

std::string_view resume_policy_name(ResumePolicy policy) {
  return policy == ResumePolicy::kShift ? "shift" : "fire";
}

Result<Decision> decide(const InstanceView& view, const ResumeCommand& cmd, TimeMs now) {
  if (view.record.status != InstanceStatus::kPaused) {
    return std::unexpected(wrong_status(view.record, "only paused instances can be resumed"));
  }
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  DurationMs shift = cmd.policy == ResumePolicy::kShift ? std::max<DurationMs>(0, now - r.paused_at) : 0;
  TimeMs due = r.timer_due;
  r.timer_due = 0;  // no row exists while paused
  set_status(r, now, r.status_before_pause);
  r.paused_at = 0;
  if (due != 0) set_timer(r, d.tx, due + shift);

  JournalEntry resumed;
  resumed.kind = EntryKind::kResumed;
  resumed.name = std::string(resume_policy_name(cmd.policy));
  resumed.shift_ms = shift;
  d.entries.push_back(append_entry(r, d.tx, resumed));
  add_event(r, d.tx, EventType::kResumed, {}, std::string(resume_policy_name(cmd.policy)));
  // Replay to where the workflow waits before looking for late signals: a
  // paused instance may have been evicted and reloaded without replay, and
  // only a replayed Context knows which signals the workflow already took.
  d.then = Then::kAdvanceAndTakeLate;
  return d;
}

}  // namespace sundial
