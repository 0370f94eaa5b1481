#include "engine/transitions/command_support.h"

namespace sundial {

LiveInstance* load_or_reply(Runtime& rt, const std::string& id, Reply<CommandReply>& reply) {
  Result<LiveInstance*> loaded =
      rt.accepting() ? rt.load(id) : Result<LiveInstance*>(std::unexpected(rt.not_accepting_error()));
  if (loaded) return *loaded;
  rt.defer([reply = std::move(reply), error = loaded.error()]() mutable {
    reply(std::unexpected(std::move(error)));
  });
  return nullptr;
}

void reject(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply, Error error) {
  rt.release(inst);
  rt.defer([reply = std::move(reply), error = std::move(error)]() mutable {
    reply(std::unexpected(std::move(error)));
  });
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
