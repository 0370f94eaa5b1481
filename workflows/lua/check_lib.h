// The sandbox's `check` library: the input checks of a script's
// validate(input, config), answered with the messages of the C++ checks
// (workflows/input_check.h, connectors/email, engine/base/duration.h) that
// the library calls, so a script and the engine refuse a bad input in the
// same words and the rules live in one place (docs/lua.md "The sandbox"):
//
//   check.object(v)                       -> v, or a new {} for nil
//   check.fields(input, { names... })     -> input
//   check.string(input, key [, { required =, one_of = { ... } }])
//   check.integer(input, key, min, max [, { required = }])
//   check.email(input, key [, { required = }]) -> the normalized address
//   check.durations(input, key [, { required =, max_count =, max_ms = }])
//   check.duration(v [, what])            -> milliseconds
//
// A field's check returns its value (nil when absent) or raises an error
// without a position (level 0). Tables are read raw: no metamethod of user
// code runs. Each call is linear in what it reads; check.fields and
// check.durations charge the entries they walk to the instruction budget.
//
// Threading: the calling Lua state's.
#pragma once

struct lua_State;

namespace sundial::lua {

// Pushes the library table.
void push_check_library(lua_State* L);

}  // namespace sundial::lua
