#include "workflows/lua/effects/effect.h"

#include <algorithm>

#include <lua.hpp>

#include "engine/base/duration.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {

int raw_field(lua_State* L, int index, const char* name) {
  lua_pushstring(L, name);
  return lua_rawget(L, index < 0 && index > LUA_REGISTRYINDEX ? index - 1 : index);
}

DurationMs effect_duration(lua_State* L, int index, const std::string& what) {
  if (lua_isinteger(L, index)) {
    lua_Integer ms = lua_tointeger(L, index);
    if (ms < 0) throw LuaValueError(what + " must not be negative");
    return ms;
  }
  if (lua_type(L, index) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, index, &len);
    auto parsed = parse_duration(std::string_view(s, len));
    if (!parsed) throw LuaValueError(what + ": " + parsed.error().message);
    return *parsed;
  }
  throw LuaValueError(what + " must be milliseconds or a duration such as \"90s\" or \"1h30m\", not a " +
                      luaL_typename(L, index));
}

RetryPolicy effect_retry_policy(lua_State* L, int index, const std::string& method) {
  index = lua_absindex(L, index);
  RetryPolicy policy;
  if (raw_field(L, index, "attempts") != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 1000) {
      throw LuaValueError(method + ": attempts must be an integer from 1 to 1000");
    }
    policy.max_attempts = static_cast<uint32_t>(lua_tointeger(L, -1));
  }
  lua_pop(L, 1);
  if (raw_field(L, index, "backoff") != LUA_TNIL)
    policy.initial_backoff = effect_duration(L, -1, method + ": backoff");
  lua_pop(L, 1);
  if (raw_field(L, index, "max_backoff") != LUA_TNIL) {
    policy.max_backoff = effect_duration(L, -1, method + ": max_backoff");
  }
  lua_pop(L, 1);
  return policy;
}

nlohmann::json step_window_option(lua_State* L, int index, const std::string& method) {
  if (!lua_istable(L, index)) return nullptr;
  index = lua_absindex(L, index);
  nlohmann::json window;
  switch (raw_field(L, index, "window")) {
    case LUA_TNIL:
      window = nullptr;
      break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        throw LuaValueError(method + ": window must be a window's name, a window table, or false for none");
      }
      window = false;
      break;
    case LUA_TSTRING:
    case LUA_TTABLE:
      window = to_json(L, -1);
      break;
    default:
      lua_pop(L, 1);
      throw LuaValueError(method + ": window must be a window's name, a window table, or false for none");
  }
  lua_pop(L, 1);
  return window;
}

void check_known_fields(lua_State* L, int index, const std::string& method,
                        const std::vector<std::string>& known) {
  index = lua_absindex(L, index);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    bool ok = false;
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, -2, &len);
      std::string key(s, len);
      ok = key == "attempts" || key == "backoff" || key == "max_backoff" || key == "window" ||
           std::find(known.begin(), known.end(), key) != known.end();
      if (!ok) throw LuaValueError(method + ": unknown field '" + key + "'");
    }
    if (!ok) throw LuaValueError(method + ": the options table takes named fields only");
    lua_pop(L, 1);
  }
}

}  // namespace sundial::lua
