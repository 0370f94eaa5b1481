// LuaInstance: one workflow instance's Lua side — its coroutine thread,
// _ENV and `ctx` object — and the protocol between Lua and the C++ driver
// (lua_workflow in workflow.h).
//
// Protocol: the driver resumes the thread; Lua runs until it finishes, fails
// or calls a ctx method that must wait. Such a method stores a LuaRequest
// and yields; the driver co_awaits the matching Context operation and
// resumes Lua with the outcome. Methods that need no wait (ctx:now(),
// ctx:uuid(), ...) call Context directly. Each ctx method is one row of the
// method table in instance.cc; an effect backed by a connector (ctx:http,
// ctx:email, ...) is a method that builds a step function from its
// arguments and yields a kStep request, like ctx:step.
//
// A step's Lua function runs on its own thread (not the instance's) under
// its own activation; an error in it is a failed attempt (retried per the
// step's policy); a limit exceeded, a yield or a result that is not JSON
// fails the step for good.
//
// Threading: loop thread. Ownership: shared by the driver's coroutine frame
// and the step functions it hands to the engine; holds the script (and so
// the Lua state) alive; anchors its Lua objects in the Lua registry until
// destroyed. The Context is borrowed for the instance's life.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/runtime/context.h"
#include "workflows/lua/script.h"

struct lua_State;

namespace sundial::lua {

struct LuaRequest {
  enum class Kind { kNone, kStep, kSleepFor, kSleepUntil, kWait };
  Kind kind = Kind::kNone;
  std::string name;                   // kStep
  SyncStepFn step_fn;                 // kStep: a Lua function (ctx:step)
  AsyncStepFn effect_fn;              // kStep: an effect (ctx:http, ...) instead
  bool blocking = false;              // kStep: step_fn runs on the blocking-step pool
  RetryPolicy policy;                 // kStep
  nlohmann::json window;              // kStep: its send window (AwaitRequest::window)
  DurationMs duration = 0;            // kSleepFor
  TimeMs until = 0;                   // kSleepUntil; kWait with a deadline
  std::vector<std::string> signals;   // kWait
  std::optional<DurationMs> timeout;  // kWait
  bool has_deadline = false;          // kWait: `until` is its end
  std::string origin;                 // "greet.lua:12": the line that made the request
};

struct LuaOutcome {
  enum class Kind { kRequest, kFinished, kFailed };
  Kind kind = Kind::kFailed;
  LuaRequest request;     // kRequest
  nlohmann::json result;  // kFinished: what run returned
  std::string error;      // kFailed: message and traceback
  // kFailed: internal for a Lua error, budget_exceeded or memory_exceeded
  // for a limit.
  ErrorCode code = ErrorCode::kInternal;
};

class LuaInstance : public std::enable_shared_from_this<LuaInstance> {
 public:
  static Result<std::shared_ptr<LuaInstance>> create(std::shared_ptr<const LuaScript> script, Context& ctx);
  ~LuaInstance();
  LuaInstance(const LuaInstance&) = delete;
  LuaInstance& operator=(const LuaInstance&) = delete;

  // Runs the chunk and then run(ctx, input) until the first request.
  LuaOutcome start();
  // Resumes after a request with its outcome.
  LuaOutcome resume_with_json(const nlohmann::json& value);
  LuaOutcome resume_with_nothing();
  LuaOutcome resume_with_signal(const SignalResult& signal);

  // The ctx methods' access to the instance (instance.cc).
  Context& context() { return ctx_; }
  lua_State* thread() const { return thread_; }
  const LuaScript& script() const { return *script_; }
  // Called by a ctx method on the instance's thread: stores the request
  // and where the script made it (the Lua function calling the method).
  void set_request(LuaRequest request);
  // Whether a step's Lua function is running (ctx methods that must
  // replay identically are refused there).
  bool in_step() const { return in_step_; }
  // Runs the pending step's Lua function for one attempt.
  Result<nlohmann::json> run_step(const StepInfo& info);

 private:
  LuaInstance(std::shared_ptr<const LuaScript> script, Context& ctx)
      : script_(std::move(script)), ctx_(ctx) {}
  // Resumes the thread with the `nargs` values `push` leaves on the main
  // state's stack.
  LuaOutcome resume(int nargs, const std::function<void(lua_State*)>& push);

  std::shared_ptr<const LuaScript> script_;
  Context& ctx_;
  lua_State* thread_ = nullptr;
  int anchor_ref_ = -1;  // registry ref of { thread, env, ctx, step fn }
  bool started_ = false;
  bool in_step_ = false;
  LuaRequest request_;
};

}  // namespace sundial::lua
