#include "workflows/lua/effects/template_lib.h"

#include <lua.hpp>

#include "workflows/email/email_template.h"
#include "workflows/lua/c_function.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

size_t cap(lua_State* L) { return static_cast<size_t>(lua_tointeger(L, lua_upvalueindex(1))); }

int template_render(lua_State* L) {
  size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  luaL_checktype(L, 2, LUA_TTABLE);
  bool html = false;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "html");
    html = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
  }
  size_t max = cap(L);
  if (len > max) {
    throw LuaValueError("template.render: the text is longer than " + std::to_string(max) + " bytes");
  }
  nlohmann::json vars = to_json(L, 2);
  if (vars.is_array()) vars = nlohmann::json::object();  // a sequence has no names
  auto out = render_template_text("template.render", std::string(text, len), vars, html, max);
  if (!out) throw LuaValueError(out.error().message);
  lua_pushlstring(L, out->data(), out->size());
  return 1;
}

}  // namespace

void push_template_library(lua_State* L, size_t max_bytes) {
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, static_cast<lua_Integer>(max_bytes));
  lua_pushcclosure(L, c_function<template_render>, 1);
  lua_setfield(L, -2, "render");
}

}  // namespace sundial::lua
