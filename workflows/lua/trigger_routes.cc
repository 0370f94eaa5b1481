#include "workflows/lua/trigger_routes.h"

#include <lua.hpp>

#include "workflows/lua/lua_json.h"
#include "workflows/lua/trigger_actions.h"
#include "workflows/lua/trigger_declaration.h"

namespace sundial::lua {

namespace {

Error routes_error(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// One entry of `triggers`, read at load: its fields without `map` (as
// JSON), or what is wrong with the entry.
struct DeclaredTrigger {
  nlohmann::json fields = nlohmann::json::object();
  std::string problem;
};

// Reads the script table's `triggers` (the table is at index 1 of
// `thread`). Raises Lua errors only for memory: inside protect().
std::string read_triggers(lua_State* thread, std::vector<DeclaredTrigger>& out) {
  lua_pushliteral(thread, "triggers");
  int type = lua_rawget(thread, 1);
  if (type == LUA_TNIL) return {};
  if (type != LUA_TTABLE) return "triggers must be a list of tables";
  lua_Integer n = static_cast<lua_Integer>(lua_rawlen(thread, -1));
  if (n > 100) return "at most 100 triggers";
  for (lua_Integer i = 1; i <= n; ++i) {
    DeclaredTrigger& t = out.emplace_back();
    if (lua_rawgeti(thread, -1, i) != LUA_TTABLE) {
      t.problem = "must be a table";
      lua_pop(thread, 1);
      continue;
    }
    bool has_map = false;
    lua_pushnil(thread);
    while (lua_next(thread, -2) != 0) {  // key at -2, value at -1
      if (t.problem.empty()) {
        if (lua_type(thread, -2) != LUA_TSTRING) {
          t.problem = "has a key that is not a field name";
        } else if (std::string key = lua_tostring(thread, -2); key == "map") {
          has_map = lua_isfunction(thread, -1);
          if (!has_map) t.problem = "map must be a function";
        } else {
          try {
            t.fields[key] = to_json(thread, -1);
          } catch (const LuaValueError& e) {
            t.problem = "'" + key + "': " + e.what();
          }
        }
      }
      lua_pop(thread, 1);
    }
    if (t.problem.empty() && !has_map) t.problem = "map = function(body, headers) ... end is required";
    lua_pop(thread, 1);
  }
  return {};
}

void push_headers(lua_State* L, const http::HttpRequest& request) {
  lua_createtable(L, 0, static_cast<int>(request.headers.size()));
  for (const auto& [name, value] : request.headers) {
    lua_pushlstring(L, name.data(), name.size());
    if (lua_rawget(L, -2) == LUA_TSTRING) {  // a repeated header: "a, b" as HTTP folds it
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, value.data(), value.size());
      lua_concat(L, 3);
    } else {
      lua_pop(L, 1);
      lua_pushlstring(L, value.data(), value.size());
    }
    lua_pushlstring(L, name.data(), name.size());
    lua_insert(L, -2);
    lua_rawset(L, -3);
  }
}

}  // namespace

Result<webhooks::WebhookActions> run_trigger_map(const LuaScript& script, size_t index,
                                                 const nlohmann::json& body, const http::HttpRequest& request,
                                                 const TriggerOptions& options) {
  LuaSandbox& sb = script.sandbox();
  std::string problem;
  nlohmann::json returned;
  auto done = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_scratch_thread(L);
    problem = run_chunk(sb, L, thread, script.chunkname());
    if (!problem.empty()) return;
    lua_pushliteral(thread, "triggers");
    bool found = lua_rawget(thread, 1) == LUA_TTABLE &&
                 lua_rawgeti(thread, -1, static_cast<lua_Integer>(index)) == LUA_TTABLE;
    if (found) {
      lua_pushliteral(thread, "map");
      found = lua_rawget(thread, -2) == LUA_TFUNCTION;
    }
    if (!found) {
      problem = "trigger " + std::to_string(index) + " has no map function";
      return;
    }
    lua_replace(thread, 1);
    lua_settop(thread, 1);
    push_json(L, body);
    push_headers(L, request);
    lua_xmove(L, thread, 2);
    auto r = sb.resume(thread, 2, options.map_instructions);
    if (r.abort != Abort::kNone) {
      LuaLimits limits = sb.limits();
      limits.instructions_per_activation = options.map_instructions;
      problem = abort_message(r.abort, limits);
    } else if (r.status == LUA_YIELD) {
      problem = "map must not yield";
    } else if (r.status != LUA_OK) {
      problem = error_text(thread, -1);
    } else if (r.nresults > 0) {
      try {
        returned = to_json(thread, -r.nresults);
      } catch (const LuaValueError& e) {
        problem = std::string("map returned a value that is not JSON: ") + e.what();
      }
    }
    sb.recycle(thread, r);
  });
  if (!done) return std::unexpected(routes_error("map: " + done.error().message));
  if (!problem.empty()) return std::unexpected(routes_error("map: " + problem));
  auto actions = parse_trigger_actions(returned, script.type());
  if (!actions) return std::unexpected(routes_error("map returned " + actions.error().message));
  return actions;
}

Result<std::vector<webhooks::WebhookRoute>> lua_trigger_routes(std::shared_ptr<const LuaScript> script,
                                                               const SecretReader& read_secret,
                                                               TriggerOptions options) {
  const std::string& chunkname = script->chunkname();
  std::vector<DeclaredTrigger> declared;
  std::string problem;
  LuaSandbox& sb = script->sandbox();
  auto done = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_thread(L);
    problem = run_chunk(sb, L, thread, chunkname);
    if (problem.empty()) problem = read_triggers(thread, declared);
    if (!problem.empty() && !problem.starts_with(chunkname)) problem = chunkname + ": " + problem;
  });
  if (!done) return std::unexpected(routes_error(chunkname + ": " + done.error().message));
  if (!problem.empty()) return std::unexpected(routes_error(std::move(problem)));

  std::vector<webhooks::WebhookRoute> routes;
  for (size_t i = 0; i < declared.size(); ++i) {
    std::string where = chunkname + ": trigger " + std::to_string(i + 1) + ": ";
    if (!declared[i].problem.empty()) return std::unexpected(routes_error(where + declared[i].problem));
    auto d = parse_trigger_declaration(declared[i].fields);
    if (!d) return std::unexpected(routes_error(where + d.error().message));
    for (const auto& other : routes) {
      if (other.path == d->path)
        return std::unexpected(routes_error(where + "path '" + d->path + "' is declared twice"));
    }
    webhooks::WebhookRoute route;
    route.name = d->name;
    route.path = d->path;
    route.verification = d->verification;
    if (!d->secret_env.empty()) {
      route.verification.secret = read_secret(d->secret_env);
      route.verification.secret_env = d->secret_env;
    }
    route.public_route = d->public_route;
    if (d->delivery_header) route.delivery_id = webhooks::delivery_id_from_header(*d->delivery_header);
    if (d->delivery_field) route.delivery_id = webhooks::delivery_id_from_field(*d->delivery_field);
    route.map = [script, index = i + 1, options](const nlohmann::json& body,
                                                 const http::HttpRequest& request) {
      return run_trigger_map(*script, index, body, request, options);
    };
    routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace sundial::lua
