// ctx:critical_path(name, { tasks = {{id =, duration =}, ...},
//                           edges = {{from =, to =}, ...}, detail = false }):
// the critical path of a task graph (workflows/graph/critical_path_json.h)
// as a durable step. The computation is CPU work that grows with the
// graph (10,000 tasks and 50,000 edges take milliseconds), so the step
// runs on the engine's blocking-step pool, never on the loop; only reading
// the Lua tables happens on the loop, while the script waits anyway.
//
// The result is the graph's answer: { length =, path =, critical =, cycle =,
// unknown_edges =, tasks = } (tasks left out with detail = false). A graph
// with a cycle is an answer (cycle = its ids), not an error; a malformed
// graph fails the step for good (the same input would fail again).
// See effect.h for the convention, docs/lua.md for the contract.
#include <lua.hpp>

#include "workflows/graph/critical_path_json.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

SyncStepFn build_critical_path(lua_State* L, const EffectEnv&) {
  const std::string m = "ctx:critical_path";
  check_known_fields(L, 3, m, {"tasks", "edges", "detail"});
  nlohmann::json input = nlohmann::json::object();
  for (const char* field : {"tasks", "edges"}) {
    if (raw_field(L, 3, field) != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TTABLE) throw LuaValueError(m + ": " + field + " must be a list");
      nlohmann::json list = to_json(L, -1);
      // An empty Lua table crosses as {}: it is an empty list here.
      if (list.is_object() && list.empty()) list = nlohmann::json::array();
      input[field] = std::move(list);
    }
    lua_pop(L, 1);
  }
  if (!input.contains("tasks")) throw LuaValueError(m + ": tasks (a list of {id, duration}) is required");
  if (raw_field(L, 3, "detail") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TBOOLEAN) throw LuaValueError(m + ": detail must be true or false");
    input["detail"] = static_cast<bool>(lua_toboolean(L, -1));
  }
  lua_pop(L, 1);
  return [input = std::move(input), m](const StepInfo&) -> Result<nlohmann::json> {
    auto answer = graph::critical_path_json(input);
    if (!answer) return make_error(ErrorCode::kInvalidArgument, m + ": " + answer.error().message);
    return answer;
  };
}

}  // namespace

const Effect kCriticalPathEffect{"critical_path", nullptr, /*retries_elsewhere=*/true, &build_critical_path};

}  // namespace sundial::lua
