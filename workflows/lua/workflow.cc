#include "workflows/lua/workflow.h"

#include <stdexcept>

#include "workflows/lua/instance.h"

namespace sundial::lua {

Workflow<void> lua_workflow(std::shared_ptr<const LuaScript> script, Context& ctx) {
  auto created = LuaInstance::create(script, ctx);
  if (!created) {
    ctx.set_failure(created.error());
    co_return;
  }
  std::shared_ptr<LuaInstance> instance = std::move(*created);
  ctx.set_warm_gate([script] {
    const LuaSandbox& sandbox = script->sandbox();
    return sandbox.bytes_in_use() <= sandbox.limits().warm_memory_per_state;
  });
  LuaOutcome out = instance->start();
  const size_t max_calls = script->sandbox().limits().max_journal_entries;
  for (size_t calls = 1; out.kind == LuaOutcome::Kind::kRequest; ++calls) {
    LuaRequest req = std::move(out.request);
    if (calls > max_calls) {
      ctx.set_failure(Error{ErrorCode::kBudgetExceeded,
                            req.origin + ": the instance made more than " + std::to_string(max_calls) +
                                " ctx calls (each is journaled and replayed on every wake; the cap is "
                                "[workflows] max_journal_entries)"});
      co_return;
    }
    ctx.set_origin(std::move(req.origin));
    if (req.kind == LuaRequest::Kind::kStep) ctx.set_step_window(std::move(req.window));
    if (req.kind == LuaRequest::Kind::kStep && req.effect_fn) {
      nlohmann::json result = co_await ctx.step_async(req.name, std::move(req.effect_fn), req.policy);
      out = instance->resume_with_json(result);
    } else if (req.kind == LuaRequest::Kind::kStep && req.blocking) {
      nlohmann::json result = co_await ctx.step_blocking(req.name, std::move(req.step_fn), req.policy);
      out = instance->resume_with_json(result);
    } else if (req.kind == LuaRequest::Kind::kStep) {
      nlohmann::json result = co_await ctx.step(req.name, std::move(req.step_fn), req.policy);
      out = instance->resume_with_json(result);
    } else if (req.kind == LuaRequest::Kind::kSleepFor) {
      co_await ctx.sleep_for(req.duration);
      out = instance->resume_with_nothing();
    } else if (req.kind == LuaRequest::Kind::kSleepUntil) {
      co_await ctx.sleep_until(req.until);
      out = instance->resume_with_nothing();
    } else if (req.kind == LuaRequest::Kind::kWait) {
      SignalResult signal;
      if (req.has_deadline) {
        signal = co_await ctx.wait_any_until(std::move(req.signals), req.until);
      } else {
        signal = co_await ctx.wait_any(std::move(req.signals), req.timeout);
      }
      out = instance->resume_with_signal(signal);
    } else {
      throw std::logic_error("a Lua request of no kind");
    }
  }
  if (out.kind == LuaOutcome::Kind::kFailed) {
    // The engine fails the instance with it (code, message and traceback).
    ctx.set_failure(Error{out.code, std::move(out.error)});
    co_return;
  }
  ctx.set_result(std::move(out.result));
}

}  // namespace sundial::lua
