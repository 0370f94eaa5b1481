// cancel: stop an instance for good, with a reason. Its timer is removed,
// its coroutine destroyed; a step still running finishes but its result is
// dropped. Cancelling a cancelled instance changes nothing.
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<Decision> decide(const InstanceView& view, const CancelCommand& cmd, TimeMs now) {
  const InstanceRecord& current = view.record;
  if (current.status == InstanceStatus::kCancelled) return change(view, now);
  if (is_finished(current.status)) {
    return std::unexpected(
        wrong_status(current, "only running, waiting or paused instances can be cancelled"));
  }
  std::string reason = cmd.reason.empty() ? "cancelled by request" : cmd.reason;
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  clear_timer(r, d.tx);
  r.cancel_reason = reason;
  set_status(r, now, InstanceStatus::kCancelled);
  JournalEntry entry;
  entry.kind = EntryKind::kCancelled;
  entry.error = reason;
  d.entries.push_back(append_entry(r, d.tx, entry));
  add_event(r, d.tx, EventType::kCancelled, {}, reason);
  d.then = Then::kDropWorkflow;
  return d;
}

}  // namespace sundial
