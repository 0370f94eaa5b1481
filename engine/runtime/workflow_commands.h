// Carries out what workflows ask of other instances (Context::start_child,
// Context::signal) with the engine's own start and signal commands, so a
// child start or a signal from a workflow is exactly an API start or
// signal: the same checks, the same durability, the same answers.
//
// Idempotency: a child started without an id gets one derived from the
// parent's id, run and step name, so a retried or replayed step names the
// same child (an id that exists answers with it); a signal carries the
// step's idempotency key.
//
// Threading: loop thread. Ownership: borrows the Runtime and the
// IdempotencyKeys (the Engine's), which outlive every step.
#pragma once

#include <string>

#include "engine/runtime/command_executor.h"
#include "engine/runtime/context.h"

namespace sundial {

void run_workflow_command(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window,
                          const StepInfo& step, const InstanceCommand& cmd, StepDone done);

// "<parent id>.<step name>" (run 1) or "<parent id>.<run>.<step name>"
// when that is a valid instance id, else "child-" and 32 hex digits.
std::string derived_child_id(const StepInfo& step);

// The step's idempotency key as a signal's: as it is, or hashed when it
// is longer than an idempotency key may be.
std::string command_key(const StepInfo& step);

}  // namespace sundial
