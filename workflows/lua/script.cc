#include "workflows/lua/script.h"

#include <algorithm>

#include <lua.hpp>

#include "connectors/signing/hmac.h"
#include "workflows/lua/effects/config.h"
#include "workflows/lua/lua_json.h"
#include "workflows/lua/workflow.h"

namespace sundial::lua {

std::string run_chunk(LuaSandbox& sandbox, lua_State* L, lua_State* thread, const std::string& chunkname) {
  sandbox.push_env(L);
  sandbox.push_chunk(L);
  lua_xmove(L, thread, 2);
  auto r = sandbox.resume(thread, 1);
  if (r.abort != Abort::kNone) return chunkname + ": " + abort_message(r.abort, sandbox.limits());
  if (r.status == LUA_YIELD) return chunkname + ": the script's top level must not yield";
  if (r.status != LUA_OK) return traceback(L, thread, error_text(thread, -1));
  if (r.nresults < 1 || !lua_istable(thread, -r.nresults)) {
    return chunkname + ": the script must return a table, e.g. return { run = function(ctx, input) ... end }";
  }
  lua_settop(thread, 1);  // the results start at 1: keep the first
  return {};
}

namespace {

// The script's `search_attributes` (at the top of `thread`'s stack): nil,
// or a table of names (`{ "email" }`: the input field of that name) and
// name = "dotted.path" pairs (`{ assignee = "assignees" }`). Returns a
// problem, or empty. Reads with raw access: no metamethod runs here.
std::string read_search_attributes(lua_State* thread, const std::string& chunkname,
                                   std::vector<SearchAttributeSpec>& out) {
  const std::string where = chunkname + ": search_attributes";
  if (lua_isnil(thread, -1)) return {};
  if (!lua_istable(thread, -1)) return where + " must be a table, e.g. { \"email\", assignee = \"assignees\" }";
  int table = lua_gettop(thread);
  lua_pushnil(thread);
  while (lua_next(thread, table) != 0) {
    if (lua_type(thread, -1) != LUA_TSTRING) {
      lua_settop(thread, table);
      return where + ": each entry is a name or name = \"input.path\" (a string)";
    }
    SearchAttributeSpec spec;
    spec.path = lua_tostring(thread, -1);
    if (lua_type(thread, -2) == LUA_TSTRING) {
      spec.name = lua_tostring(thread, -2);
    } else if (lua_isinteger(thread, -2)) {
      spec.name = spec.path;
    } else {
      lua_settop(thread, table);
      return where + ": keys are attribute names";
    }
    out.push_back(std::move(spec));
    lua_pop(thread, 1);
    if (out.size() > kMaxSearchAttributeSpecs) break;
  }
  lua_settop(thread, table);
  std::sort(out.begin(), out.end(), [](const SearchAttributeSpec& a, const SearchAttributeSpec& b) {
    return a.name < b.name;
  });
  if (auto valid = validate_search_attribute_specs(out); !valid) return where + ": " + valid.error().message;
  return {};
}

}  // namespace

Result<std::shared_ptr<LuaScript>> LuaScript::load(std::string type, std::string_view source,
                                                   std::string chunkname, LuaOptions options) {
  std::shared_ptr<LuaScript> script(new LuaScript());
  script->type_ = std::move(type);
  script->chunkname_ = std::move(chunkname);
  script->options_ = std::move(options);
  script->source_ = std::string(source);
  script->version_ = sha256_hex(source);
  auto sandbox = LuaSandbox::create(script->options_.limits);
  if (!sandbox) return std::unexpected(sandbox.error());
  script->sandbox_ = std::move(*sandbox);
  SUNDIAL_TRY(script->sandbox_->compile(source, script->chunkname_));

  std::string problem;
  LuaSandbox& sb = *script->sandbox_;
  auto config = sb.protect([&](lua_State* L) {
    const nlohmann::json& c = script->options_.config;
    push_read_only_json(L, c.is_object() ? c : nlohmann::json::object());
    script->config_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  });
  if (!config)
    return make_error(ErrorCode::kInvalidArgument, script->chunkname_ + ": " + config.error().message);
  auto probed = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_thread(L);
    problem = run_chunk(sb, L, thread, script->chunkname_);
    if (!problem.empty()) return;
    lua_pushliteral(thread, "run");  // raw: no metamethod runs outside an activation
    lua_rawget(thread, 1);
    if (!lua_isfunction(thread, -1)) {
      problem = script->chunkname_ + ": the script's table has no run function";
      return;
    }
    lua_pushliteral(thread, "validate");
    lua_rawget(thread, 1);
    if (!lua_isnil(thread, -1) && !lua_isfunction(thread, -1)) {
      problem = script->chunkname_ + ": validate must be a function";
      return;
    }
    script->has_validate_ = lua_isfunction(thread, -1);
    lua_pop(thread, 1);
    lua_pushliteral(thread, "concurrency");
    lua_rawget(thread, 1);
    if (!lua_isnil(thread, -1) && !lua_isfunction(thread, -1) && !lua_istable(thread, -1)) {
      problem =
          script->chunkname_ + ": concurrency must be a table ({ key = ..., limit = ... }) or a function";
      return;
    }
    script->has_concurrency_ = !lua_isnil(thread, -1);
    lua_pop(thread, 1);
    lua_pushliteral(thread, "search_attributes");
    lua_rawget(thread, 1);
    problem = read_search_attributes(thread, script->chunkname_, script->search_attributes_);
  });
  if (!probed)
    return make_error(ErrorCode::kInvalidArgument, script->chunkname_ + ": " + probed.error().message);
  if (!problem.empty()) return make_error(ErrorCode::kInvalidArgument, std::move(problem));
  return script;
}

Result<nlohmann::json> LuaScript::validate(const nlohmann::json& input) const {
  SUNDIAL_ASSIGN_OR_RETURN(auto returned, call_hook("validate", input));
  return returned ? std::move(*returned) : input;
}

Result<std::optional<ConcurrencySpec>> LuaScript::concurrency(const nlohmann::json& input) const {
  SUNDIAL_ASSIGN_OR_RETURN(auto returned, call_hook("concurrency", input));
  if (!returned) return std::optional<ConcurrencySpec>();
  auto spec = parse_concurrency(*returned);
  if (!spec) return make_error(ErrorCode::kInvalidArgument, "concurrency: " + spec.error().message);
  return std::optional<ConcurrencySpec>(std::move(*spec));
}

Result<std::optional<nlohmann::json>> LuaScript::call_hook(const char* name,
                                                           const nlohmann::json& input) const {
  Result<std::optional<nlohmann::json>> out = std::optional<nlohmann::json>();
  const std::string hook = name;
  LuaSandbox& sb = *sandbox_;
  auto done = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_scratch_thread(L);
    std::string problem = run_chunk(sb, L, thread, chunkname_);
    if (!problem.empty()) {
      out = make_error(ErrorCode::kInvalidArgument, std::move(problem));
      return;
    }
    lua_pushstring(thread, name);
    lua_rawget(thread, 1);
    if (lua_istable(thread, -1)) {  // a table, not a function: the value itself
      try {
        out = std::optional<nlohmann::json>(to_json(thread, -1));
      } catch (const LuaValueError& e) {
        out = make_error(ErrorCode::kInvalidArgument, hook + " is not JSON: " + e.what());
      }
      lua_settop(thread, 0);
      return;
    }
    if (!lua_isfunction(thread, -1)) return;
    lua_remove(thread, 1);
    push_json(L, input);
    lua_rawgeti(L, LUA_REGISTRYINDEX, config_ref_);  // the version's one ctx.config proxy
    lua_xmove(L, thread, 2);
    auto r = sb.resume(thread, 2);
    if (r.abort != Abort::kNone) {
      Error e = abort_error(r.abort, sb.limits());
      out = make_error(e.code, hook + ": " + e.message);
    } else if (r.status == LUA_YIELD) {
      out = make_error(ErrorCode::kInvalidArgument, hook + " must not yield or wait");
    } else if (r.status != LUA_OK) {
      out = make_error(ErrorCode::kInvalidArgument, error_text(thread, -1));
    } else if (r.nresults > 0 && !lua_isnil(thread, -r.nresults)) {
      try {
        out = std::optional<nlohmann::json>(to_json(thread, -r.nresults));
      } catch (const LuaValueError& e) {
        out =
            make_error(ErrorCode::kInvalidArgument, hook + " returned a value that is not JSON: " + e.what());
      }
    }
    sb.recycle(thread, r);
  });
  if (!done) return make_error(ErrorCode::kInvalidArgument, hook + ": " + done.error().message);
  return out;
}

Result<void> register_lua_script(Registry& registry, std::shared_ptr<const LuaScript> script,
                                 bool make_current) {
  InputCheck check;
  if (script->has_validate()) {
    check = [script](const nlohmann::json& input) { return script->validate(input); };
  }
  ConcurrencyOf concurrency;
  if (script->has_concurrency()) {
    concurrency = [script](const nlohmann::json& input) { return script->concurrency(input); };
  }
  WorkflowType type{script->type(),
                    "Lua script " + script->chunkname(),
                    [script](Context& ctx) { return lua_workflow(script, ctx); },
                    std::move(check),
                    "lua",
                    script->version(),
                    std::move(concurrency),
                    script->search_attributes()};
  return registry.add_version(std::move(type), make_current);
}

}  // namespace sundial::lua
