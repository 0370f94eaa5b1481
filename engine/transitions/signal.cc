// signal: deliver a named signal with a JSON payload. It is journaled in the
// same loop that registers waits, so it is never lost: a workflow waiting
// for it (and not paused) takes it at once; otherwise it waits in the inbox
// until the workflow asks for it (or until resume, for a paused one).
#include <algorithm>

#include "engine/transitions/command_support.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

void signal_instance(Runtime& rt, const std::string& id, const std::string& name,
                     nlohmann::json payload, Reply<CommandReply> reply) {
  if (auto valid = keys::validate_name("signal", name); !valid) {
    return rt.defer([reply = std::move(reply), error = valid.error()]() mutable {
      reply(std::unexpected(std::move(error)));
    });
  }
  LiveInstance* inst = load_or_reply(rt, id, reply);
  if (inst == nullptr) return;
  InstanceRecord& r = inst->record;
  if (is_finished(r.status)) {
    return reject(rt, *inst, std::move(reply),
                  wrong_status(*inst, "signals reach only running, waiting or paused instances"));
  }
  Transition tx(rt.now());
  bool deliver = r.status != InstanceStatus::kPaused && r.await_kind == AwaitKind::kSignal &&
                 std::find(r.wait_signals.begin(), r.wait_signals.end(), name) != r.wait_signals.end();
  JournalEntry entry;
  entry.kind = EntryKind::kSignalReceived;
  entry.name = name;
  entry.data = std::move(payload);
  entry.delivered = deliver;
  append_entry(*inst, tx, std::move(entry));
  add_event(*inst, tx, EventType::kSignalReceived, name);
  if (deliver) {
    clear_timer(*inst, tx);
    r.await_kind = AwaitKind::kNone;
    r.wait_signals.clear();
    set_status(*inst, tx, InstanceStatus::kRunning);
    rt.advance(*inst, tx);
  }
  reply_when_durable(tx, *inst, std::move(reply));
  rt.commit(*inst, std::move(tx));
}

}  // namespace sundial
