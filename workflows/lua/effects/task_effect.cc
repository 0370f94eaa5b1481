// ctx:task(name, { queue, type, payload, priority, delay | run_at, timeout,
// attempts, backoff, max_backoff, concurrency }): a task on a queue for workers in any
// language, awaited as a durable step (Context::task): enqueued once under
// an id derived from the instance and the step name; the step's result is
// what the worker completed it with. The retry fields are the task's (its
// workers' attempts), so the step itself makes one attempt. The fields are
// checked by the same rules as the HTTP API's (engine/tasks/task_spec_json.h); a
// `concurrency` key serializes the task with others of its key, and its
// on_busy must be "queue": the step waits for this very task.
#include <lua.hpp>

#include "engine/base/duration.h"
#include "engine/tasks/task_spec_json.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

// A duration field as the API's text: milliseconds or "90s".
nlohmann::json duration_text(lua_State* L, int index, const std::string& what) {
  return format_duration(effect_duration(L, index, what));
}

AsyncStepFn build_task(lua_State* L, const EffectEnv& env) {
  const std::string m = "ctx:task";
  check_known_fields(L, 3, m,
                     {"queue", "type", "payload", "priority", "delay", "run_at", "timeout", "concurrency"});
  if (raw_field(L, 3, "queue") != LUA_TSTRING) throw LuaValueError(m + ": queue (a string) is required");
  std::string queue = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (auto ok = validate_queue_name(queue); !ok) throw LuaValueError(m + ": " + ok.error().message);
  nlohmann::json body = nlohmann::json::object();
  for (const char* field : {"type", "payload", "priority", "run_at", "concurrency"}) {
    if (raw_field(L, 3, field) != LUA_TNIL) body[field] = to_json(L, -1);
    lua_pop(L, 1);
  }
  for (const char* field : {"delay", "timeout"}) {
    if (raw_field(L, 3, field) != LUA_TNIL) body[field] = duration_text(L, -1, m + ": " + field);
    lua_pop(L, 1);
  }
  auto spec = parse_task_spec(body, queue, m + ": ");
  if (!spec) throw LuaValueError(spec.error().message);
  if (spec->concurrency && spec->concurrency->on_busy != OnBusy::kQueue) {
    throw LuaValueError(m + ": concurrency.on_busy must be \"queue\": the step waits for its own task");
  }
  spec->retry = effect_retry_policy(L, 3, m);
  if (spec->retry.max_backoff < spec->retry.initial_backoff)
    spec->retry.max_backoff = spec->retry.initial_backoff;
  return [runner = env.tasks, spec = std::move(*spec)](const StepInfo& info, StepDone done) {
    if (!runner) return done(make_error(ErrorCode::kStepFailed, "task queues are not available here"));
    runner(info, spec, std::move(done));
  };
}

}  // namespace

const Effect kTaskEffect{"task", build_task, /*retries_elsewhere=*/true};

}  // namespace sundial::lua
