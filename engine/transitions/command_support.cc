#include "engine/transitions/command_support.h"

namespace sundial {

namespace {

void answer_error(Runtime& rt, Reply<CommandReply> reply, Error error) {
  rt.defer([reply = std::move(reply), error = std::move(error)]() mutable {
    reply(std::unexpected(std::move(error)));
  });
}

}  // namespace

void with_command_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply,
                           ApplyCommand apply) {
  if (!rt.accepting()) return answer_error(rt, std::move(reply), rt.not_accepting_error());
  rt.with_instance(id, [&rt, reply = std::move(reply), apply = std::move(apply)](
                           Result<LiveInstance*> loaded) mutable {
    if (!loaded) return answer_error(rt, std::move(reply), loaded.error());
    apply(**loaded, std::move(reply));
  });
}

void reject(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply, Error error) {
  rt.release(inst);
  answer_error(rt, std::move(reply), std::move(error));
}

void reply_when_durable(Transition& tx, const LiveInstance& inst, Reply<CommandReply> reply) {
  tx.on_done.push_back([reply = std::move(reply), id = inst.record.id,
                        status = inst.record.status](const Result<void>& r) mutable {
    if (!r) return reply(std::unexpected(r.error()));
    reply(CommandReply{id, status});
  });
}

Error wrong_status(const LiveInstance& inst, std::string_view what) {
  return Error{ErrorCode::kConflict, "instance '" + inst.record.id + "' is " +
                                         std::string(status_name(inst.record.status)) + "; " +
                                         std::string(what)};
}

}  // namespace sundial
