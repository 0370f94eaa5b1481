// retry: give a failed instance another go. The workflow is rebuilt from
// its journal, so it resumes at the step that failed (with a fresh attempt
// count) or re-runs the code that failed; completed steps do not run again.
#include "engine/transitions/command_support.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

void retry_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply) {
  with_command_instance(
      rt, id, std::move(reply),
      [&rt](LiveInstance& inst, Reply<CommandReply> respond) mutable {
        InstanceRecord& r = inst.record;
        if (r.status != InstanceStatus::kFailed) {
          return reject(rt, inst, std::move(respond), wrong_status(inst, "only failed instances can be retried"));
        }
        Transition tx(rt.now());
        r.last_error.clear();
        r.attempt = 0;
        set_status(inst, tx, InstanceStatus::kRunning);
        JournalEntry entry;
        entry.kind = EntryKind::kRetried;
        append_entry(inst, tx, entry);
        add_event(inst, tx, EventType::kRetried);
        rt.rebuild(inst);
        rt.advance(inst, tx);
        reply_when_durable(tx, inst, std::move(respond));
        rt.commit(inst, std::move(tx));
      });
}

}  // namespace sundial
