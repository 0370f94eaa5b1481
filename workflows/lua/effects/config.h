// ctx.config: the workflow's own config section (`[workflows.<type>]` in
// TOML, handed over as JSON in LuaOptions::config) as a read-only Lua
// table: reads, pairs, ipairs and # work; a write raises; nested tables
// are read-only too.
//
// Threading: the calling Lua state's (inside protect or a guarded C function).
#pragma once

#include <nlohmann/json.hpp>

struct lua_State;

namespace sundial::lua {

// Pushes `value` as Lua; tables become read-only proxies.
void push_read_only_json(lua_State* L, const nlohmann::json& value);

}  // namespace sundial::lua
