// c_function<F>: wraps a lua_CFunction written in C++ so that no C++
// exception crosses Lua's C frames: an exception becomes a Lua error (raised
// after the handler has finished, so nothing is left half-destroyed).
//
// Lua errors raised inside F (luaL_check*, memory) longjmp past F's frame:
// F checks its arguments before it creates C++ objects that own memory.
//
// Threading: the calling Lua state's.
#pragma once

#include <exception>

#include <lua.hpp>

namespace sundial::lua {

// Where the message of an exception says it was raised: at the Lua
// caller's "file:line: " (a mistake of the script's author), or nowhere (a
// message for whoever sent the data, as error(message, 0)).
enum class ErrorPosition { kCaller, kNone };

template <int (*F)(lua_State*), ErrorPosition P = ErrorPosition::kCaller>
int c_function(lua_State* L) {
  bool failed = false;
  try {
    return F(L);
  } catch (const std::exception& e) {
    if constexpr (P == ErrorPosition::kCaller) {
      luaL_where(L, 1);  // "file:line: " of the Lua caller
      lua_pushstring(L, e.what());
      lua_concat(L, 2);
    } else {
      lua_pushstring(L, e.what());
    }
    failed = true;
  } catch (...) {
    lua_pushliteral(L, "unknown C++ exception");
    failed = true;
  }
  return failed ? lua_error(L) : 0;
}

}  // namespace sundial::lua
