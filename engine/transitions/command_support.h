// Shared plumbing of the steering commands: get the instance into memory
// (read on the pool when it is not) or answer the error, answer a
// rejection asynchronously, and answer after the commit.
//
// Threading: loop thread only.
#pragma once

#include "engine/runtime/runtime.h"
#include "engine/transitions/commands.h"

namespace sundial {

// What a command does to its instance once it is in memory.
using ApplyCommand = std::move_only_function<void(LiveInstance&, Reply<CommandReply>)>;

// Runs `apply` with the instance named by a command (now, or once its load
// is back on the loop), or answers the error. Commands for one instance
// apply in the order they were issued.
void with_command_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply,
                           ApplyCommand apply);

// Answers `error` in a later loop turn and releases the instance.
void reject(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply, Error error);

// Adds the reply to `tx`: the instance's status once `tx` is durable.
void reply_when_durable(Transition& tx, const LiveInstance& inst, Reply<CommandReply> reply);

// "instance 'x' is completed; <what>"
Error wrong_status(const LiveInstance& inst, std::string_view what);

}  // namespace sundial
