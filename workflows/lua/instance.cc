#include "workflows/lua/instance.h"

#include <lua.hpp>
#include <spdlog/spdlog.h>

#include "engine/base/duration.h"
#include "engine/base/utf8.h"
#include "engine/storage/keys.h"
#include "workflows/lua/c_function.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/effects/secret_ref.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

const char* const kCtxMeta = "sundial.ctx";

// Anchor table slots.
constexpr int kAnchorThread = 1;
constexpr int kAnchorEnv = 2;
constexpr int kAnchorCtx = 3;
constexpr int kAnchorStepFn = 4;

struct CtxBox {
  LuaInstance* instance;
  int anchor_ref;
};

CtxBox& check_ctx(lua_State* L) { return *static_cast<CtxBox*>(luaL_checkudata(L, 1, kCtxMeta)); }

// Waiting methods must run on the instance's own thread, where a yield
// reaches the driver.
void require_own_thread(lua_State* L, const CtxBox& box, const char* method) {
  if (box.instance->in_step() || L != box.instance->thread() || !lua_isyieldable(L)) {
    luaL_error(L,
               "ctx:%s can only be called from the workflow's own code, not inside a step function, "
               "a coroutine or a callback of a C function such as table.sort",
               method);
  }
}

// Methods whose result must replay identically may not run inside a step
// (a step is not re-run on replay).
void require_not_in_step(lua_State* L, const CtxBox& box, const char* method) {
  if (box.instance->in_step()) luaL_error(L, "ctx:%s cannot be called inside a step function", method);
}

TimeMs time_arg(lua_State* L, int index, const char* what) {
  if (!lua_isinteger(L, index)) {
    throw LuaValueError(std::string(what) + " must be a time in Unix milliseconds (an integer), not a " +
                        luaL_typename(L, index));
  }
  return lua_tointeger(L, index);
}

// Step and signal names are journaled and shown by the API: the engine's
// rules for names (1 to 200 characters of UTF-8, no control characters).
void check_name(const char* method, const char* what, const std::string& name) {
  auto valid = keys::validate_name(what, name);
  if (!valid) throw LuaValueError(std::string(method) + ": " + valid.error().message);
}

// ---- The ctx methods -------------------------------------------------------

int ctx_now(lua_State* L) {
  CtxBox& box = check_ctx(L);
  lua_pushinteger(L, box.instance->context().now());
  return 1;
}

int ctx_random(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_not_in_step(L, box, "random");
  lua_pushnumber(L, box.instance->context().random01());
  return 1;
}

int ctx_uuid(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_not_in_step(L, box, "uuid");
  std::string id = box.instance->context().uuid();
  lua_pushlstring(L, id.data(), id.size());
  return 1;
}

// ctx:patched(change_id) -> boolean (Context::patched)
int ctx_patched(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_not_in_step(L, box, "patched");
  size_t len = 0;
  const char* id = luaL_checklstring(L, 2, &len);
  std::string change_id(id, len);
  check_name("ctx:patched", "patch", change_id);
  lua_pushboolean(L, box.instance->context().patched(change_id) ? 1 : 0);
  return 1;
}

// ctx:continue_as_new(input): once `run` returns, this run completes and
// the id's next run starts from `input` with an empty history.
int ctx_continue_as_new(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_not_in_step(L, box, "continue_as_new");
  luaL_checkany(L, 2);
  box.instance->context().continue_as_new(to_json(L, 2));
  return 0;
}

// ctx:step(name, fn, { attempts =, backoff =, max_backoff =, window = })
int ctx_step(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, "step");
  luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  for (const char* field : {"attempts", "backoff", "max_backoff"}) {  // -> 5, 6, 7
    if (lua_istable(L, 4)) {
      lua_getfield(L, 4, field);
    } else {
      lua_pushnil(L);
    }
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, box.anchor_ref);
  lua_pushvalue(L, 3);
  lua_rawseti(L, -2, kAnchorStepFn);
  lua_pop(L, 1);
  {
    LuaRequest req;
    req.kind = LuaRequest::Kind::kStep;
    req.name = lua_tostring(L, 2);
    check_name("ctx:step", "step", req.name);
    if (!lua_isnil(L, 5)) {
      if (!lua_isinteger(L, 5) || lua_tointeger(L, 5) < 1 || lua_tointeger(L, 5) > 1000) {
        throw LuaValueError("ctx:step: attempts must be an integer from 1 to 1000");
      }
      req.policy.max_attempts = static_cast<uint32_t>(lua_tointeger(L, 5));
    }
    if (!lua_isnil(L, 6)) req.policy.initial_backoff = effect_duration(L, 6, "ctx:step: backoff");
    if (!lua_isnil(L, 7)) req.policy.max_backoff = effect_duration(L, 7, "ctx:step: max_backoff");
    req.window = step_window_option(L, 4, "ctx:step");
    std::weak_ptr<LuaInstance> weak = box.instance->weak_from_this();
    req.step_fn = [weak](const StepInfo& info) -> Result<nlohmann::json> {
      auto self = weak.lock();
      if (!self) return make_error(ErrorCode::kUnavailable, "the Lua instance was unloaded");
      return self->run_step(info);
    };
    box.instance->set_request(std::move(req));
  }
  return lua_yield(L, 0);
}

// ctx:sleep(duration)
int ctx_sleep(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, "sleep");
  luaL_checkany(L, 2);
  {
    LuaRequest req;
    req.kind = LuaRequest::Kind::kSleepFor;
    req.duration = effect_duration(L, 2, "ctx:sleep");
    box.instance->set_request(std::move(req));
  }
  return lua_yield(L, 0);
}

// ctx:sleep_until(unix_ms)
int ctx_sleep_until(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, "sleep_until");
  luaL_checkany(L, 2);
  {
    LuaRequest req;
    req.kind = LuaRequest::Kind::kSleepUntil;
    req.until = time_arg(L, 2, "ctx:sleep_until");
    box.instance->set_request(std::move(req));
  }
  return lua_yield(L, 0);
}

// ctx:wait(name | { names }, { timeout = duration } | { until = unix_ms })
//   -> nil on timeout, else { name =, payload = }
int ctx_wait(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, "wait");
  if (lua_type(L, 2) != LUA_TSTRING) luaL_checktype(L, 2, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  for (const char* field : {"timeout", "until"}) {  // -> 4, 5
    if (lua_istable(L, 3)) {
      lua_getfield(L, 3, field);
    } else {
      lua_pushnil(L);
    }
  }
  {
    LuaRequest req;
    req.kind = LuaRequest::Kind::kWait;
    if (lua_type(L, 2) == LUA_TSTRING) {
      req.signals.emplace_back(lua_tostring(L, 2));
    } else {
      lua_Unsigned n = lua_rawlen(L, 2);
      for (lua_Unsigned i = 1; i <= n; ++i) {
        if (lua_rawgeti(L, 2, static_cast<lua_Integer>(i)) != LUA_TSTRING) {
          throw LuaValueError("ctx:wait: signal names must be strings");
        }
        req.signals.emplace_back(lua_tostring(L, -1));
        lua_pop(L, 1);
      }
    }
    if (req.signals.empty()) throw LuaValueError("ctx:wait: name at least one signal");
    for (const auto& signal : req.signals) check_name("ctx:wait", "signal", signal);
    if (!lua_isnil(L, 4) && !lua_isnil(L, 5))
      throw LuaValueError("ctx:wait: give timeout or until, not both");
    if (!lua_isnil(L, 4)) req.timeout = effect_duration(L, 4, "ctx:wait: timeout");
    if (!lua_isnil(L, 5)) {
      req.until = time_arg(L, 5, "ctx:wait: until");
      req.has_deadline = true;
    }
    box.instance->set_request(std::move(req));
  }
  return lua_yield(L, 0);
}

// ctx:<effect>(name, { ... }): a step backed by a connector (effects/effect.h).
template <const Effect& E>
int ctx_effect(lua_State* L) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, E.method);
  luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  {
    const std::string method = std::string("ctx:") + E.method;
    LuaRequest req;
    req.kind = LuaRequest::Kind::kStep;
    req.name = lua_tostring(L, 2);
    check_name(method.c_str(), "step", req.name);
    req.policy = effect_retry_policy(L, 3, method);
    req.window = step_window_option(L, 3, method);
    if (E.retries_elsewhere) req.policy = RetryPolicy{.max_attempts = 1};
    const LuaScript& script = box.instance->script();
    size_t max_result = script.sandbox().limits().max_json_bytes;
    if (E.build_blocking != nullptr) {
      SyncStepFn work = E.build_blocking(
          L, EffectEnv{script.options().effects, max_result, box.instance->context().task_runner()});
      req.blocking = true;
      // Runs off the loop: the work and the size check of its result.
      req.step_fn = [work = std::move(work), max_result](const StepInfo& info) -> Result<nlohmann::json> {
        auto r = work(info);
        if (r && r->dump().size() > max_result) {
          return make_error(ErrorCode::kStepFailed, "step '" + info.step_name + "': the result is larger than " +
                                                        std::to_string(max_result) + " bytes");
        }
        return r;
      };
    } else {
      AsyncStepFn run =
          E.build(L, EffectEnv{script.options().effects, max_result, box.instance->context().task_runner()});
      // The result is journaled: the same cap as a Lua step's result.
      req.effect_fn = [run = std::move(run), max_result](const StepInfo& info, StepDone done) {
        run(info, [done = std::move(done), max_result,
                   step = info.step_name](Result<nlohmann::json> r) mutable {
          if (r && r->dump().size() > max_result) {
            return done(make_error(ErrorCode::kStepFailed, "step '" + step + "': the result is larger than " +
                                                               std::to_string(max_result) + " bytes"));
          }
          done(std::move(r));
        });
      };
    }
    box.instance->set_request(std::move(req));
  }
  return lua_yield(L, 0);
}

// Sets the step request (name at 2, options at 3: attempts, backoff,
// max_backoff, window) that carries `cmd` out through the engine. The caller
// yields after it returns: lua_yield longjmps in Lua 5.4, so no object
// with a destructor may be alive in the C function's frame by then.
void request_command(lua_State* L, CtxBox& box, const std::string& method, InstanceCommand cmd) {
  LuaRequest req;
  req.kind = LuaRequest::Kind::kStep;
  req.name = lua_tostring(L, 2);
  check_name(method.c_str(), "step", req.name);
  req.policy = effect_retry_policy(L, 3, method);
  req.window = step_window_option(L, 3, method);
  req.effect_fn = box.instance->context().command_fn(std::move(cmd));
  box.instance->set_request(std::move(req));
}

// The string field `key` of `spec` (required, or absent -> nullopt).
std::optional<std::string> text_field(const nlohmann::json& spec, const char* key, const std::string& method,
                                      bool required) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) {
    if (required) throw LuaValueError(method + ": '" + key + "' is required");
    return std::nullopt;
  }
  if (!it->is_string()) throw LuaValueError(method + ": '" + key + "' must be a string");
  return it->get<std::string>();
}

void request_child_start(lua_State* L, CtxBox& box) {
  const std::string method = "ctx:start_child";
  check_known_fields(L, 3, method, {"type", "id", "input", "detached"});
  nlohmann::json spec = to_json(L, 3);
  ChildStart child;
  child.type = *text_field(spec, "type", method, true);
  child.id = text_field(spec, "id", method, false);
  if (spec.contains("input") && !spec["input"].is_null()) child.input = spec["input"];
  if (spec.contains("detached")) {
    if (!spec["detached"].is_boolean()) throw LuaValueError(method + ": 'detached' must be a boolean");
    child.detached = spec["detached"].get<bool>();
  }
  request_command(L, box, method, std::move(child));
}

void request_signal(lua_State* L, CtxBox& box) {
  const std::string method = "ctx:signal";
  check_known_fields(L, 3, method, {"id", "signal", "payload"});
  nlohmann::json spec = to_json(L, 3);
  SignalOut out{*text_field(spec, "id", method, true), *text_field(spec, "signal", method, true),
                spec.value("payload", nlohmann::json())};
  request_command(L, box, method, std::move(out));
}

// Checks the (name, options) arguments of a command method, has `build`
// set its request, then yields (with nothing alive that has a destructor).
int command_yield(lua_State* L, const char* method, void (*build)(lua_State*, CtxBox&)) {
  CtxBox& box = check_ctx(L);
  require_own_thread(L, box, method);
  luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  build(L, box);
  return lua_yield(L, 0);
}

// ctx:start_child(name, { type =, id =, input =, detached =, attempts =, backoff =, max_backoff = })
//   -> { instance_id =, run =, created =, status = }
int ctx_start_child(lua_State* L) { return command_yield(L, "start_child", request_child_start); }

// ctx:signal(name, { id =, signal =, payload =, attempts =, ... }) -> { instance_id =, status = }
int ctx_signal(lua_State* L) { return command_yield(L, "signal", request_signal); }

// ctx:secret("NAME") -> a reference resolved only when an effect's step runs.
int ctx_secret(lua_State* L) {
  CtxBox& box = check_ctx(L);
  size_t len = 0;
  const char* s = luaL_checklstring(L, 2, &len);
  std::string name(s, len);
  bool valid = !name.empty() && name.size() <= 128 &&
               (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!valid) throw LuaValueError("ctx:secret: '" + name + "' is not an environment variable name");
  if (auto why = box.instance->script().options().effects.secrets.check(name)) {
    throw LuaValueError("ctx:secret: " + *why);
  }
  push_secret(L, SecretText{{SecretText::Piece{true, name}}});
  return 1;
}

// ctx:log(message [, fields]): an info line in sundiald's log naming the
// type and instance, with `fields` (a table) as JSON. Written when the
// code runs for the first time; a replay of history already written does
// not log it again (a line just before a wait may repeat once after a
// restart). Message and fields are cut at 4 KiB each.
int ctx_log(lua_State* L) {
  constexpr size_t kMaxLogBytes = 4096;
  CtxBox& box = check_ctx(L);
  size_t len = 0;
  const char* s = luaL_checklstring(L, 2, &len);
  std::string message = repair_utf8(std::string_view(s, std::min(len, kMaxLogBytes)));
  std::string fields;
  if (!lua_isnoneornil(L, 3)) {
    fields = to_json(L, 3).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (fields.size() > kMaxLogBytes) fields = repair_utf8(fields.substr(0, kMaxLogBytes)) + "...";
  }
  const Context& context = box.instance->context();
  if (context.dry_run() || context.position() < context.journal().size()) return 0;
  spdlog::info("workflow {} '{}': {}{}{}", box.instance->script().type(), context.instance_id(), message,
               fields.empty() ? "" : " ", fields);
  return 0;
}

// The ctx surface. A new method is one function above and one row here.
const luaL_Reg kCtxMethods[] = {
    {"now", c_function<ctx_now>},
    {"random", c_function<ctx_random>},
    {"uuid", c_function<ctx_uuid>},
    {"step", c_function<ctx_step>},
    {"sleep", c_function<ctx_sleep>},
    {"sleep_until", c_function<ctx_sleep_until>},
    {"wait", c_function<ctx_wait>},
    {"patched", c_function<ctx_patched>},
    {"log", c_function<ctx_log>},
    {"continue_as_new", c_function<ctx_continue_as_new>},
    {"start_child", c_function<ctx_start_child>},
    {"signal", c_function<ctx_signal>},
    // Effects (effects/effect.h) and secrets.
    {"http", c_function<ctx_effect<kHttpEffect>>},
    {"email", c_function<ctx_effect<kEmailEffect>>},
    {"task", c_function<ctx_effect<kTaskEffect>>},
    {"notion", c_function<ctx_effect<kNotionEffect>>},
    {"kv", c_function<ctx_effect<kKvEffect>>},
    {"github", c_function<ctx_effect<kGitHubEffect>>},
    {"publish", c_function<ctx_effect<kPublishEffect>>},
    {"critical_path", c_function<ctx_effect<kCriticalPathEffect>>},
    {"secret", c_function<ctx_secret>},
    {nullptr, nullptr},
};

// ctx.<key>: a method, else a field (id, type, input) from the uservalue.
int ctx_index(lua_State* L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

int ctx_newindex(lua_State* L) { return luaL_error(L, "ctx is read-only"); }

// Pushes a new ctx object for `box`.
void push_ctx(lua_State* L, const CtxBox& box, const std::string& id, const LuaScript& script,
              const nlohmann::json& input, TimeMs started_at) {
  auto* ud = static_cast<CtxBox*>(lua_newuserdatauv(L, sizeof(CtxBox), 1));
  *ud = box;
  if (luaL_newmetatable(L, kCtxMeta) != 0) {
    lua_newtable(L);
    luaL_setfuncs(L, kCtxMethods, 0);
    lua_pushcclosure(L, ctx_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ctx_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  lua_createtable(L, 0, 5);
  lua_rawgeti(L, LUA_REGISTRYINDEX, script.config_ref());
  lua_setfield(L, -2, "config");
  lua_pushlstring(L, id.data(), id.size());
  lua_setfield(L, -2, "id");
  lua_pushlstring(L, script.type().data(), script.type().size());
  lua_setfield(L, -2, "type");
  push_json(L, input);
  lua_setfield(L, -2, "input");
  lua_pushinteger(L, started_at);
  lua_setfield(L, -2, "started_at");
  lua_setiuservalue(L, -2, 1);
}

LuaOutcome failed(std::string message, ErrorCode code = ErrorCode::kInternal) {
  LuaOutcome out;
  out.kind = LuaOutcome::Kind::kFailed;
  out.error = std::move(message);
  out.code = code;
  return out;
}

}  // namespace

Result<std::shared_ptr<LuaInstance>> LuaInstance::create(std::shared_ptr<const LuaScript> script,
                                                         Context& ctx) {
  std::shared_ptr<LuaInstance> inst(new LuaInstance(script, ctx));
  LuaSandbox& sandbox = script->sandbox();
  auto made = sandbox.protect([&](lua_State* L) {
    lua_createtable(L, 4, 0);
    inst->thread_ = sandbox.push_thread(L);
    lua_rawseti(L, -2, kAnchorThread);
    sandbox.push_env(L);
    lua_rawseti(L, -2, kAnchorEnv);
    lua_pushvalue(L, -1);
    inst->anchor_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    push_ctx(L, CtxBox{inst.get(), inst->anchor_ref_}, ctx.instance_id(), *script, ctx.input(),
             ctx.started_at());
    lua_rawseti(L, -2, kAnchorCtx);
  });
  if (!made) return std::unexpected(made.error());
  return inst;
}

void LuaInstance::set_request(LuaRequest request) {
  request_ = std::move(request);
  // Level 0 is the ctx method (a C function), level 1 the script's caller.
  lua_Debug ar;
  if (lua_getstack(thread_, 1, &ar) != 0 && lua_getinfo(thread_, "Sl", &ar) != 0 && ar.currentline > 0) {
    request_.origin = std::string(ar.short_src) + ":" + std::to_string(ar.currentline);
  }
}

LuaInstance::~LuaInstance() {
  if (anchor_ref_ >= 0) luaL_unref(script_->sandbox().state(), LUA_REGISTRYINDEX, anchor_ref_);
}

LuaOutcome LuaInstance::start() {
  LuaSandbox& sandbox = script_->sandbox();
  LuaOutcome out = failed("the script did not start");
  auto done = sandbox.protect([&](lua_State* L) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, anchor_ref_);
    lua_rawgeti(L, -1, kAnchorEnv);
    sandbox.push_chunk(L);
    lua_xmove(L, thread_, 2);
    lua_pop(L, 1);
    auto r = sandbox.resume(thread_, 1);
    if (r.abort != Abort::kNone) {
      Error e = abort_error(r.abort, sandbox.limits());
      out = failed(script_->chunkname() + ": " + e.message, e.code);
    } else if (r.status != LUA_OK) {
      out = failed(r.status == LUA_YIELD ? std::string("the script's top level must not yield")
                                         : traceback(L, thread_, error_text(thread_, -1)));
    } else if (r.nresults < 1 || !lua_istable(thread_, -r.nresults) ||
               (lua_pushliteral(thread_, "run"), lua_rawget(thread_, -r.nresults - 1),
                !lua_isfunction(thread_, -1))) {
      out = failed(script_->chunkname() + ": the script must return a table with a run function");
    } else {
      started_ = true;
    }
  });
  if (!done) return failed(done.error().message);
  if (!started_) return out;
  // The thread holds: results... run. Call run(ctx, input).
  return resume(-1, [&](lua_State* L) {
    lua_State* t = thread_;
    lua_insert(t, 1);  // run first
    lua_settop(t, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, anchor_ref_);
    lua_rawgeti(L, -1, kAnchorCtx);
    lua_remove(L, -2);
    lua_getiuservalue(L, -1, 1);
    lua_getfield(L, -1, "input");
    lua_remove(L, -2);  // ctx input
  });
}

LuaOutcome LuaInstance::resume_with_json(const nlohmann::json& value) {
  return resume(1, [&](lua_State* L) { push_json(L, value); });
}

LuaOutcome LuaInstance::resume_with_nothing() {
  return resume(0, [](lua_State*) {});
}

LuaOutcome LuaInstance::resume_with_signal(const SignalResult& signal) {
  return resume(1, [&](lua_State* L) {
    if (signal.timed_out) {
      lua_pushnil(L);
      return;
    }
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, signal.name.data(), signal.name.size());
    lua_setfield(L, -2, "name");
    push_json(L, signal.payload);
    lua_setfield(L, -2, "payload");
  });
}

// nargs -1: the first resume, with run already on the thread and ctx and
// input pushed by `push`.
LuaOutcome LuaInstance::resume(int nargs, const std::function<void(lua_State*)>& push) {
  LuaSandbox& sandbox = script_->sandbox();
  LuaOutcome out = failed("the script was not resumed");
  request_ = LuaRequest{};
  auto done = sandbox.protect([&](lua_State* L) {
    int base = lua_gettop(L);
    push(L);
    int n = lua_gettop(L) - base;
    lua_xmove(L, thread_, n);
    auto r = sandbox.resume(thread_, nargs < 0 ? 2 : nargs);
    if (r.abort != Abort::kNone) {
      Error e = abort_error(r.abort, sandbox.limits());
      out = failed(traceback(L, thread_, e.message), e.code);
      return;
    }
    if (r.status == LUA_YIELD) {
      lua_pop(thread_, r.nresults);
      if (request_.kind == LuaRequest::Kind::kNone) {
        out = failed(traceback(
            L, thread_, "coroutine.yield outside a coroutine: only ctx methods may wait in a workflow"));
        return;
      }
      out.kind = LuaOutcome::Kind::kRequest;
      out.request = std::move(request_);
      request_ = LuaRequest{};
      return;
    }
    if (r.status != LUA_OK) {
      out = failed(traceback(L, thread_, error_text(thread_, -1)));
      return;
    }
    try {
      out.result = r.nresults > 0 ? to_json(thread_, -r.nresults) : nlohmann::json();
      out.kind = LuaOutcome::Kind::kFinished;
    } catch (const LuaValueError& e) {
      out = failed(std::string("run returned a value that is not JSON: ") + e.what());
    }
    lua_pop(thread_, r.nresults);
  });
  if (!done) return failed(done.error().message);
  return out;
}

Result<nlohmann::json> LuaInstance::run_step(const StepInfo& info) {
  LuaSandbox& sandbox = script_->sandbox();
  Result<nlohmann::json> out = make_error(ErrorCode::kInternal, "the step did not run");
  auto done = sandbox.protect([&](lua_State* L) {
    lua_State* t = sandbox.push_scratch_thread(L);  // anchored on L's stack while it runs
    lua_rawgeti(L, LUA_REGISTRYINDEX, anchor_ref_);
    lua_rawgeti(L, -1, kAnchorStepFn);
    lua_remove(L, -2);
    lua_createtable(L, 0, 3);
    lua_pushlstring(L, info.idempotency_key.data(), info.idempotency_key.size());
    lua_setfield(L, -2, "key");
    lua_pushinteger(L, info.attempt);
    lua_setfield(L, -2, "attempt");
    lua_pushlstring(L, info.step_name.data(), info.step_name.size());
    lua_setfield(L, -2, "name");
    lua_xmove(L, t, 2);
    in_step_ = true;
    auto r = sandbox.resume(t, 1);
    in_step_ = false;
    std::string where = "step '" + info.step_name + "': ";
    if (r.abort != Abort::kNone) {
      Error e = abort_error(r.abort, sandbox.limits());
      out = make_error(e.code, where + e.message);
    } else if (r.status == LUA_YIELD) {
      out = make_error(ErrorCode::kStepFailed, where + "a step function must not yield or wait");
    } else if (r.status != LUA_OK) {
      // Retried per the policy, unless the script raised a table with
      // retryable = false (a permanent failure, like a provider's 4xx).
      bool permanent = false;
      if (lua_type(t, -1) == LUA_TTABLE) {
        lua_pushliteral(t, "retryable");
        permanent = lua_rawget(t, -2) == LUA_TBOOLEAN && lua_toboolean(t, -1) == 0;
        lua_pop(t, 1);
      }
      out = make_error(permanent ? ErrorCode::kStepFailed : ErrorCode::kInternal, where + error_text(t, -1));
    } else {
      try {
        nlohmann::json value = r.nresults > 0 ? to_json(t, -r.nresults) : nlohmann::json();
        if (value.dump().size() > sandbox.limits().max_json_bytes) {
          out = make_error(ErrorCode::kStepFailed, where + "the result is larger than " +
                                                       std::to_string(sandbox.limits().max_json_bytes) +
                                                       " bytes");
        } else {
          out = std::move(value);
        }
      } catch (const LuaValueError& e) {
        out = make_error(ErrorCode::kStepFailed, where + "the result is not JSON: " + e.what());
      }
    }
    sandbox.recycle(t, r);
  });
  in_step_ = false;
  if (!done) {
    return make_error(ErrorCode::kInternal, "step '" + info.step_name + "': " + done.error().message);
  }
  return out;
}

}  // namespace sundial::lua
