// signal: deliver a named signal with a JSON payload. It is journaled in the
// same loop that registers waits, so it is never lost: a workflow waiting
// for it (and not paused) takes it at once; otherwise it waits in the inbox
// until the workflow asks for it (or until resume, for a paused one). With
// an idempotency key, a repeat within the window (per instance) is
// answered with the instance's status and journals nothing (webhook
// redeliveries).
#include <algorithm>

#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "engine/transitions/commands.h"
#include "engine/transitions/idempotency_key.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

std::string scoped_signal_key(const std::string& instance_id, const std::string& key) {
  return "signal\x1f" + instance_id + "\x1f" + key;
}

Result<void> check(const SignalCommand& cmd) {
  SUNDIAL_TRY(keys::validate_name("signal", cmd.name));
  if (cmd.idempotency_key) SUNDIAL_TRY(validate_idempotency_key(*cmd.idempotency_key));
  return check_storable(cmd.payload, "the signal payload");
}

Result<Decision> decide(const InstanceView& view, const SignalCommand& cmd, TimeMs now) {
  if (view.repeated) return repeat(now);
  const InstanceRecord& current = view.record;
  if (is_finished(current.status)) {
    return std::unexpected(wrong_status(current, "signals reach only running, waiting or paused instances"));
  }
  bool deliver = current.status != InstanceStatus::kPaused && current.await_kind == AwaitKind::kSignal &&
                 std::find(current.wait_signals.begin(), current.wait_signals.end(), cmd.name) !=
                     current.wait_signals.end();
  JournalEntry entry;
  entry.kind = EntryKind::kSignalReceived;
  entry.name = cmd.name;
  entry.data = cmd.payload;
  entry.delivered = deliver;
  // Encode first: nothing is decided unless the entry can be stored.
  SUNDIAL_ASSIGN_OR_RETURN(PreparedEntry prepared, prepare_entry(current, now, std::move(entry)));
  Decision d = change(view, now);
  InstanceRecord& r = d.record;
  if (cmd.idempotency_key) {
    d.remember =
        RememberKey{scoped_signal_key(r.id, *cmd.idempotency_key), r.id, now + cmd.idempotency_window};
  }
  d.entries.push_back(append_prepared(r, d.tx, std::move(prepared)));
  add_event(r, d.tx, EventType::kSignalReceived, cmd.name);
  if (deliver) {
    end_signal_wait(r, d.tx);
    d.then = Then::kAdvance;
  }
  return d;
}

}  // namespace sundial
