// skip: the step that failed an instance for good counts as completed with
// a result the operator gives (null by default), and the instance runs on
// from there as a retry does (for an email that will never send). The
// journal keeps the failed attempts; the kStepSkipped entry is the outcome
// replay feeds to the workflow in the step's place.
#include "engine/codec/codec.h"
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<void> check(const SkipCommand& cmd) { return check_storable(cmd.result, "the skipped step's result"); }

Result<Decision> decide(const InstanceView& view, const SkipCommand& cmd, TimeMs now) {
  const InstanceRecord& current = view.record;
  if (current.status != InstanceStatus::kFailed) {
    return std::unexpected(wrong_status(current, "only a failed instance's step can be skipped"));
  }
  if (current.await_kind != AwaitKind::kStep || current.step_name.empty()) {
    return std::unexpected(make_error(ErrorCode::kConflict, "instance '" + current.id +
                                                                "' failed in its own code, not in a step: "
                                                                "there is no step to skip; retry it instead"));
  }
  JournalEntry entry;
  entry.kind = EntryKind::kStepSkipped;
  entry.name = current.step_name;
  entry.attempt = current.attempt;
  entry.data = cmd.result;
  entry.error = cmd.reason;
  // Encode first: nothing is decided unless the entry can be stored.
  SUNDIAL_ASSIGN_OR_RETURN(PreparedEntry prepared, prepare_entry(current, now, std::move(entry)));
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  d.entries.push_back(append_prepared(r, d.tx, std::move(prepared)));
  add_event(r, d.tx, EventType::kStepSkipped, r.step_name, cmd.reason);
  r.await_kind = AwaitKind::kNone;
  r.step_name.clear();
  reopen_failed(view, d, cmd.policy);
  return d;
}

}  // namespace sundial
