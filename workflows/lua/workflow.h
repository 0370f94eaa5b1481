// lua_workflow: the C++ coroutine that runs one instance of a Lua script.
// It drives a LuaInstance: each request the script makes (a step, a sleep,
// a signal wait) is co_awaited on the instance's Context, and Lua is resumed
// with the outcome, so a Lua instance is journaled, replayed, evicted and
// reloaded exactly like a C++ one. When run returns, its value is the
// instance's result (Context::set_result); when the script fails (an error
// outside a step, a limit), it sets the Context's failure and returns, and
// the engine fails the instance with that error: internal for a Lua error,
// budget_exceeded or memory_exceeded for a limit, with the message and a
// traceback of file:line frames.
//
// Threading: loop thread (a workflow). Ownership: the frame shares the
// script and owns the LuaInstance.
#pragma once

#include <memory>

#include "engine/runtime/context.h"
#include "engine/runtime/workflow.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

Workflow<void> lua_workflow(std::shared_ptr<const LuaScript> script, Context& ctx);

}  // namespace sundial::lua
