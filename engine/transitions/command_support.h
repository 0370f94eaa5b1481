// Shared plumbing of the steering commands: load the instance or answer the
// error, answer a rejection asynchronously, and answer after the commit.
//
// Threading: loop thread only.
#pragma once

#include "engine/runtime/runtime.h"
#include "engine/transitions/commands.h"

namespace sundial {

// The instance named by a command, or nullptr after answering the error.
LiveInstance* load_or_reply(Runtime& rt, const std::string& id, Reply<CommandReply>& reply);

// Answers `error` in a later loop turn and releases the instance.
void reject(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply, Error error);

// Adds the reply to `tx`: the instance's status once `tx` is durable.
void reply_when_durable(Transition& tx, const LiveInstance& inst, Reply<CommandReply> reply);

// "instance 'x' is completed; <what>"
Error wrong_status(const LiveInstance& inst, std::string_view what);

}  // namespace sundial
