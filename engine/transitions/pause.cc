// pause: hold an instance. Its timer row leaves the `timers` column family
// (the record keeps the due time for resume), so nothing fires; a step
// already running finishes and its result is journaled, but the workflow
// does not move on until resume. Pausing a paused instance changes nothing.
#include "engine/transitions/command_support.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

void pause_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply) {
  with_command_instance(
      rt, id, std::move(reply),
      [&rt](LiveInstance& inst, Reply<CommandReply> respond) mutable {
        InstanceRecord& r = inst.record;
        if (is_finished(r.status)) {
          return reject(rt, inst, std::move(respond),
                        wrong_status(inst, "only running or waiting instances can be paused"));
        }
        Transition tx(rt.now());
        if (r.status != InstanceStatus::kPaused) {
          if (inst.timer_row()) tx.batch.del(Cf::kTimers, keys::timer_key(r.timer_due, r.id));
          r.status_before_pause = r.status;
          r.paused_at = tx.now;
          set_status(inst, tx, InstanceStatus::kPaused);
          JournalEntry entry;
          entry.kind = EntryKind::kPaused;
          append_entry(inst, tx, entry);
          add_event(inst, tx, EventType::kPaused);
        }
        reply_when_durable(tx, inst, std::move(respond));
        rt.commit(inst, std::move(tx));
      });
}

}  // namespace sundial
