#include "workflows/lua/script_declarations.h"

#include <string>

#include <lua.hpp>

#include "workflows/lua/lua_json.h"

namespace sundial::lua {

namespace {

// The table at `field` of the script table (index 1 of `thread`) as JSON
// by id; null when absent. Raises Lua errors only for memory: inside
// protect().
std::string read_declared(lua_State* thread, const std::string& field, const std::string& what, size_t max,
                          nlohmann::json& out) {
  lua_pushlstring(thread, field.data(), field.size());
  int type = lua_rawget(thread, 1);
  std::string shape = field + " must be a table of " + what + "s by id (" + field + " = { [\"id\"] = {...} })";
  if (type == LUA_TNIL) return {};
  if (type != LUA_TTABLE) return shape;
  out = nlohmann::json::object();
  lua_pushnil(thread);
  while (lua_next(thread, -2) != 0) {  // key at -2, value at -1
    if (lua_type(thread, -2) != LUA_TSTRING) {
      lua_pop(thread, 2);
      return shape;
    }
    std::string id = lua_tostring(thread, -2);
    try {
      out[id] = to_json(thread, -1);
    } catch (const LuaValueError& e) {
      lua_pop(thread, 2);
      return what + " '" + id + "': " + e.what();
    }
    lua_pop(thread, 1);
    if (out.size() > max) {
      lua_pop(thread, 1);
      return "at most " + std::to_string(max) + " " + what + "s";
    }
  }
  return {};
}

}  // namespace

Result<nlohmann::json> declared_table(const LuaScript& script, std::string_view field, std::string_view what,
                                      size_t max) {
  const std::string& chunkname = script.chunkname();
  nlohmann::json declared;
  std::string problem;
  LuaSandbox& sb = script.sandbox();
  auto done = sb.protect([&](lua_State* L) {
    lua_State* thread = sb.push_thread(L);
    problem = run_chunk(sb, L, thread, chunkname);
    if (problem.empty()) problem = read_declared(thread, std::string(field), std::string(what), max, declared);
    if (!problem.empty() && !problem.starts_with(chunkname)) problem = chunkname + ": " + problem;
  });
  if (!done) return make_error(ErrorCode::kInvalidArgument, chunkname + ": " + done.error().message);
  if (!problem.empty()) return make_error(ErrorCode::kInvalidArgument, std::move(problem));
  return declared;
}

}  // namespace sundial::lua
