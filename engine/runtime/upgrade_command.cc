// Moving one instance to another version of its workflow type (the
// executor of Engine::upgrade): only when the new version's code, dry
// replayed against the instance's journal, consumes it consistently
// (engine/runtime/dry_replay.h). The instance's coroutine is then rebuilt,
// so its next activation replays the journal with the new code.
#include "engine/runtime/command_executor.h"
#include "engine/runtime/dry_replay.h"

namespace sundial {

void upgrade_instance(Runtime& rt, const std::string& id, std::string from, std::string to,
                      Reply<CommandReply> reply) {
  rt.with_instance(id, [&rt, from = std::move(from), to = std::move(to),
                        reply = std::move(reply)](Result<LiveInstance*> found) mutable {
    auto refuse = [&rt, &reply](LiveInstance* inst, Error error) {
      if (inst != nullptr) rt.release(*inst);
      rt.defer([reply = std::move(reply), error = std::move(error)]() mutable {
        reply(std::unexpected(std::move(error)));
      });
    };
    if (!found) return refuse(nullptr, found.error());
    LiveInstance& inst = **found;
    const InstanceRecord& r = inst.record;
    if (r.version != from) {
      return refuse(&inst, Error{ErrorCode::kConflict, "instance '" + r.id + "' runs version " +
                                                           (r.version.empty() ? "(none)" : r.version) +
                                                           ", not " + from});
    }
    if (!holds_version(r)) {
      return refuse(&inst, Error{ErrorCode::kConflict, "instance '" + r.id + "' has " +
                                                           std::string(status_name(r.status))});
    }
    if (inst.step_running || inst.in_flight > 0) {
      return refuse(&inst, Error{ErrorCode::kUnavailable,
                                 "instance '" + r.id + "' is running a step or committing; try again"});
    }
    const WorkflowType* type = rt.registry().find(r.type, to);
    if (type == nullptr) {
      return refuse(&inst, Error{ErrorCode::kNotFound,
                                 "version " + to + " of workflow type '" + r.type + "' is not loaded"});
    }
    if (auto replayed = dry_replay(type->fn, dry_replay_request(r, inst.ctx->journal())); !replayed) {
      return refuse(&inst, replayed.error());
    }
    inst.record.version = to;
    rt.rebuild(inst);
    Transition tx(rt.now());
    tx.on_done.push_back([reply = std::move(reply), id = inst.record.id,
                          status = inst.record.status](const Result<void>& done) mutable {
      if (!done) return reply(std::unexpected(done.error()));
      reply(CommandReply{id, status});
    });
    rt.commit(inst, std::move(tx));
  });
}

}  // namespace sundial
