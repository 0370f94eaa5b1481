// cancel: stop an instance for good, with a reason. Its timer is removed,
// its coroutine destroyed; a step still running finishes but its result is
// dropped. Cancelling a cancelled instance changes nothing.
#include "engine/transitions/command_support.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

void cancel_instance(Runtime& rt, const std::string& id, std::string reason,
                     Reply<CommandReply> reply) {
  with_command_instance(
      rt, id, std::move(reply),
      [&rt, reason = std::move(reason)](LiveInstance& inst, Reply<CommandReply> respond) mutable {
        InstanceRecord& r = inst.record;
        Transition tx(rt.now());
        if (r.status == InstanceStatus::kCancelled) {
          reply_when_durable(tx, inst, std::move(respond));
          return rt.commit(inst, std::move(tx));
        }
        if (is_finished(r.status)) {
          return reject(rt, inst, std::move(respond),
                        wrong_status(inst, "only running, waiting or paused instances can be cancelled"));
        }
        if (reason.empty()) reason = "cancelled by request";
        clear_timer(inst, tx);
        r.cancel_reason = reason;
        set_status(inst, tx, InstanceStatus::kCancelled);
        JournalEntry entry;
        entry.kind = EntryKind::kCancelled;
        entry.error = reason;
        append_entry(inst, tx, entry);
        add_event(inst, tx, EventType::kCancelled, {}, reason);
        inst.root = Workflow<void>();
        reply_when_durable(tx, inst, std::move(respond));
        rt.commit(inst, std::move(tx));
      });
}

}  // namespace sundial
