// The executor of the engine's commands: the one place that turns a pure
// Decision (engine/transitions/decision.h) into a durable change.
//
//   load   Runtime::with_instance (read on the pool when cold), plus the
//          facts the decision needs (an idempotency key's lookup)
//   decide the command's pure decide(); an error is answered and the
//          instance released, with nothing changed
//   apply  the decided record and journal entries into memory, the key
//          remembered, the workflow driven (Decision::then)
//   commit Runtime::commit; the reply runs once the transition is durable
//
// Replies never run inside the call, not even for rejected commands.
// The entry points below (one per command) keep the engine's API.
//
// Threading: loop thread only. Ownership: borrows the Runtime and the
// IdempotencyKeys, which must outlive every command in flight.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/runtime/idempotency.h"
#include "engine/runtime/runtime.h"
#include "engine/transitions/commands.h"

namespace sundial {

// A command bound to its arguments: decide() for one instance view.
using DecideFn = std::move_only_function<Result<Decision>(const InstanceView&, TimeMs now)>;

// Loads instance `id`, looks up `stored_key` (the key as stored, if the
// command has one) to fill InstanceView::repeated, decides and applies.
// A repeat is answered with the instance's status once everything before
// it is durable.
void execute(Runtime& rt, IdempotencyKeys& keys, const std::string& id, std::optional<std::string> stored_key,
             DecideFn decide, Reply<CommandReply> reply);

// Applies an accepted kCommit decision to `inst` and returns the
// transition to commit (the caller adds its reply, then commits).
Transition apply(Runtime& rt, IdempotencyKeys& keys, LiveInstance& inst, Decision&& decision);
// The same for a decision that creates its instance (start): puts the
// decided record and journal into memory as a new instance, or, with
// `previous` (the finished run of the same id), as its next run
// (Runtime::renew).
struct Applied {
  LiveInstance& inst;
  Transition tx;
};
Applied apply_new(Runtime& rt, IdempotencyKeys& keys, Decision&& decision, LiveInstance* previous = nullptr);

void start_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, StartRequest req,
                    Reply<StartReply> reply);
void signal_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, const std::string& id,
                     const std::string& name, nlohmann::json payload,
                     std::optional<std::string> idempotency_key, Reply<CommandReply> reply);
void pause_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, Reply<CommandReply> reply);
void resume_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, ResumePolicy policy,
                     Reply<CommandReply> reply);
void cancel_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, std::string reason,
                     Reply<CommandReply> reply);
void retry_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, ResumePolicy policy,
                    Reply<CommandReply> reply);
void skip_step(Runtime& rt, IdempotencyKeys& keys, const std::string& id, SkipCommand cmd,
               Reply<CommandReply> reply);
void steer_as_read(Runtime& rt, IdempotencyKeys& keys, const std::string& id, SteerCommand cmd, AsRead as_read,
                   Reply<CommandReply> reply);
// Moves instance `id` from version `from` to version `to` of its type if
// the new code dry-replays its journal (upgrade_command.cc); conflict when
// it runs another version or finished, unavailable while a step runs, the
// divergence (non_determinism) when the new code does not fit.
void upgrade_instance(Runtime& rt, const std::string& id, std::string from, std::string to,
                      Reply<CommandReply> reply);

}  // namespace sundial
