#include "workflows/lua/script_schedules.h"

#include <lua.hpp>

#include "workflows/lua/lua_json.h"

namespace sundial::lua {

namespace {

Error schedules_error(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// The script table's `schedules` as a JSON object by id (the table is at
// index 1 of `thread`); null when absent. Raises Lua errors only for memory: inside
// protect().
std::string read_schedules(lua_State* thread, nlohmann::json& out) {
  lua_pushliteral(thread, "schedules");
  int type = lua_rawget(thread, 1);
  if (type == LUA_TNIL) return {};
  if (type != LUA_TTABLE) return "schedules must be a table of schedules by id";
  out = nlohmann::json::object();
  lua_pushnil(thread);
  while (lua_next(thread, -2) != 0) {  // key at -2, value at -1
    if (lua_type(thread, -2) != LUA_TSTRING) {
      lua_pop(thread, 2);
      return "schedules must be a table of schedules by id (schedules = { [\"id\"] = {...} })";
    }
    std::string id = lua_tostring(thread, -2);
    try {
      out[id] = to_json(thread, -1);
    } catch (const LuaValueError& e) {
      lua_pop(thread, 2);
      return "schedule '" + id + "': " + e.what();
    }
    lua_pop(thread, 1);
    if (out.size() > kMaxScriptSchedules) {
      lua_pop(thread, 1);
      return "at most " + std::to_string(kMaxScriptSchedules) + " schedules";
    }
  }
  return {};
}

}  // namespace

Result<std::vector<ScheduleSpec>> script_schedules(const LuaScript& script) {
  const std::string& chunkname = script.chunkname();
  nlohmann::json declared;
  std::string problem;
  LuaSandbox& sb = script.sandbox();
  auto done = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_thread(L);
    problem = run_chunk(sb, L, thread, chunkname);
    if (problem.empty()) problem = read_schedules(thread, declared);
    if (!problem.empty() && !problem.starts_with(chunkname)) problem = chunkname + ": " + problem;
  });
  if (!done) return std::unexpected(schedules_error(chunkname + ": " + done.error().message));
  if (!problem.empty()) return std::unexpected(schedules_error(std::move(problem)));
  std::vector<ScheduleSpec> specs;
  if (declared.is_null()) return specs;
  for (auto& [id, entry] : declared.items()) {
    std::string where = chunkname + ": schedule '" + id + "': ";
    if (!entry.is_object()) return std::unexpected(schedules_error(where + "must be a table"));
    if (entry.contains("id"))
      return std::unexpected(schedules_error(where + "its id is its key: no id field"));
    if (entry.contains("action") && entry.contains("input")) {
      return std::unexpected(
          schedules_error(where + "input is for the script's own start; an action has its own"));
    }
    nlohmann::json body = entry;
    body["id"] = id;
    if (!body.contains("action")) {
      nlohmann::json input = body.value("input", nlohmann::json::object());
      if (input.is_array() && input.empty()) input = nlohmann::json::object();
      body.erase("input");
      body["action"] = {{"start", {{"type", script.type()}, {"input", std::move(input)}}}};
    }
    auto spec = parse_schedule_spec(body);
    if (!spec) return std::unexpected(schedules_error(where + spec.error().message));
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace sundial::lua
