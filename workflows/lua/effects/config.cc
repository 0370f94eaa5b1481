#include "workflows/lua/effects/config.h"

#include <lua.hpp>

#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

int config_newindex(lua_State* L) { return luaL_error(L, "ctx.config is read-only"); }

// The iterator __pairs hands out: next over the table behind the proxy
// (upvalue 1), which the script never sees (one proxy serves every
// instance of a script: the table must stay out of reach).
int config_next(lua_State* L) {
  lua_settop(L, 2);
  return lua_next(L, lua_upvalueindex(1)) != 0 ? 2 : (lua_pushnil(L), 1);
}

// __pairs(proxy) -> the iterator, the proxy, nil
int config_pairs(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, config_next, 1);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int config_len(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(1))));
  return 1;
}

// Replaces the table on top with a read-only proxy of it, after making its
// nested tables proxies too.
void proxy_table(lua_State* L, int depth) {
  luaL_checkstack(L, 6, "ctx.config");
  if (depth < kMaxJsonDepth) {
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_istable(L, -1)) {
        proxy_table(L, depth + 1);
        lua_pushvalue(L, -2);  // key
        lua_insert(L, -2);     // key proxy
        lua_rawset(L, -4);     // the table's value replaced (an existing key: safe during next)
      } else {
        lua_pop(L, 1);
      }
    }
  }
  lua_newtable(L);           // table proxy
  lua_createtable(L, 0, 5);  // table proxy mt
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, config_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, config_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, config_len, 1);
  lua_setfield(L, -2, "__len");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_remove(L, -2);
}

}  // namespace

void push_read_only_json(lua_State* L, const nlohmann::json& value) {
  push_json(L, value);
  if (lua_istable(L, -1)) proxy_table(L, 0);
}

}  // namespace sundial::lua
