#include "workflows/lua/check_lib.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "engine/base/duration.h"
#include "workflows/input_check.h"
#include "workflows/lua/bounded_patterns.h"
#include "workflows/lua/c_function.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

// A refused input: raised as a Lua error without a position.
struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
T value_or_fail(Result<T> r) {
  if (!r) throw CheckFailed(r.error().message);
  return std::move(*r);
}

void charge(lua_State* L, lua_Unsigned steps) {
  sundial_lua_charge(L, steps > INT_MAX ? INT_MAX : static_cast<int>(steps));
}

// A value as the scripts' tostring wrote it in messages: strings and
// numbers as text, other values by their type name (never an address).
std::string value_text(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    case LUA_TNUMBER: {
      if (lua_isinteger(L, index)) return std::to_string(lua_tointeger(L, index));
      char buf[64];
      double d = lua_tonumber(L, index);
      std::snprintf(buf, sizeof buf, "%.14g", d);
      std::string out = buf;
      if (std::isfinite(d) && out.find_first_of(".en") == std::string::npos) out += ".0";
      return out;
    }
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) != 0 ? "true" : "false";
    default:
      return luaL_typename(L, index);
  }
}

// ---- Arguments (read before any C++ object that owns memory exists: a
// bad argument raises a Lua error that skips destructors) -------------------

// Checks input (1) and key (2); pushes input[key], read raw.
void push_field(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TSTRING);
  lua_pushvalue(L, 2);
  lua_rawget(L, 1);
}

// Pushes t[name] of the table at `index`, read raw; returns its type.
int raw_get(lua_State* L, int index, const char* name) {
  lua_pushstring(L, name);
  return lua_rawget(L, index);
}

struct Options {
  bool required = false;
  int one_of = 0;  // stack index of the choices table, 0 = none
  lua_Integer max_count = static_cast<lua_Integer>(kMaxInputDelays);
  lua_Integer max_ms = kMaxInputDelayMs;
};

// The options table at `index` (absent or nil: the defaults). Only the
// names in `allowed` are accepted: a typo such as `requried` must not be
// silently ignored.
Options read_options(lua_State* L, int index, std::initializer_list<const char*> allowed) {
  Options o;
  if (lua_isnoneornil(L, index)) return o;
  luaL_checktype(L, index, LUA_TTABLE);
  index = lua_absindex(L, index);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    bool known = false;
    if (lua_type(L, -2) == LUA_TSTRING) {
      for (const char* name : allowed) known = known || std::string_view(lua_tostring(L, -2)) == name;
    }
    if (!known) luaL_argerror(L, index, "unknown option");
    lua_pop(L, 1);
  }
  if (raw_get(L, index, "required") != LUA_TNIL) {
    if (!lua_isboolean(L, -1)) luaL_argerror(L, index, "required must be a boolean");
    o.required = lua_toboolean(L, -1) != 0;
  }
  lua_pop(L, 1);
  for (auto [name, out] : {std::pair{"max_count", &o.max_count}, std::pair{"max_ms", &o.max_ms}}) {
    if (raw_get(L, index, name) != LUA_TNIL) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0) {
        luaL_argerror(L, index, "max_count and max_ms must be integers >= 0");
      }
      *out = lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
  }
  if (o.max_count > static_cast<lua_Integer>(kMaxInputDelays) || o.max_ms > kMaxInputDelayMs) {
    luaL_argerror(L, index, "max_count and max_ms cannot exceed the engine's limits (100, 10 years)");
  }
  raw_get(L, index, "one_of");
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_Unsigned n = lua_rawlen(L, -1);
    if (n == 0 || n > 100) luaL_argerror(L, index, "one_of must list 1 to 100 strings");
    for (lua_Unsigned i = 1; i <= n; ++i) {
      if (lua_rawgeti(L, -1, static_cast<lua_Integer>(i)) != LUA_TSTRING) {
        luaL_argerror(L, index, "one_of must list 1 to 100 strings");
      }
      lua_pop(L, 1);
    }
    o.one_of = lua_gettop(L);  // stays on the stack
  } else if (!lua_isnil(L, -1)) {
    luaL_argerror(L, index, "one_of must list 1 to 100 strings");
  } else {
    lua_pop(L, 1);
  }
  return o;
}

// The Lua value at `index` as the C++ checks see it. A value no check
// accepts (a function, a table where a scalar is wanted, NaN) becomes {}:
// every check answers it with its own "must be" message.
nlohmann::json scalar_json(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      return nullptr;
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) != 0;
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) return static_cast<int64_t>(lua_tointeger(L, index));
      if (std::isfinite(lua_tonumber(L, index))) return lua_tonumber(L, index);
      return nlohmann::json::object();
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    default:
      return nlohmann::json::object();
  }
}

// The field on top of the stack in a one-field object for the C++ checks.
nlohmann::json one_field(lua_State* L, nlohmann::json value) {
  size_t len = 0;
  const char* key = lua_tolstring(L, 2, &len);
  nlohmann::json input = nlohmann::json::object();
  input[std::string(key, len)] = std::move(value);
  return input;
}

void fail_if_required(lua_State* L, const Options& o) {
  if (o.required) throw CheckFailed(required_field(lua_tostring(L, 2)).message);
}

// ---- The functions --------------------------------------------------------

// check.object(v): v when it is a table that is not an array; a new empty
// table for nil.
int check_object(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_newtable(L);
    return 1;
  }
  if (lua_type(L, 1) != LUA_TTABLE || is_json_array(L, 1)) throw CheckFailed(std::string(kInputNotAnObject));
  lua_settop(L, 1);
  return 1;
}

// check.fields(input, known): input when every key of it is in `known`.
int check_fields(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Unsigned k = lua_rawlen(L, 2);
  for (lua_Unsigned i = 1; i <= k; ++i) {
    if (lua_rawgeti(L, 2, static_cast<lua_Integer>(i)) != LUA_TSTRING) {
      luaL_argerror(L, 2, "the known fields must be a list of strings");
    }
    lua_pop(L, 1);
  }
  lua_Unsigned n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    ++n;
    lua_pop(L, 1);
  }
  charge(L, n + k);
  std::vector<std::string_view> known;  // into the strings of table 2
  known.reserve(k);
  for (lua_Unsigned i = 1; i <= k; ++i) {
    lua_rawgeti(L, 2, static_cast<lua_Integer>(i));
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    known.emplace_back(s, len);
    lua_pop(L, 1);
  }
  std::unordered_set<std::string_view> set(known.begin(), known.end());
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, -2, &len);  // a string key: no conversion
      if (set.contains(std::string_view(s, len))) {
        lua_pop(L, 1);
        continue;
      }
    }
    throw CheckFailed(unknown_field(value_text(L, -2), known).message);
  }
  lua_settop(L, 1);
  return 1;
}

// check.string(input, key [, { required, one_of }]): the string or nil.
int check_string(lua_State* L) {
  Options o = read_options(L, 3, {"required", "one_of"});
  push_field(L);
  int value = lua_gettop(L);
  if (lua_isnil(L, value)) fail_if_required(L, o);
  nlohmann::json input = one_field(L, scalar_json(L, value));
  const char* key = lua_tostring(L, 2);
  if (o.one_of == 0) {
    value_or_fail(optional_string(input, key));
  } else {
    std::vector<std::string_view> choices;
    lua_Unsigned n = lua_rawlen(L, o.one_of);
    for (lua_Unsigned i = 1; i <= n; ++i) {
      lua_rawgeti(L, o.one_of, static_cast<lua_Integer>(i));
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);  // kept alive by the table
      choices.emplace_back(s, len);
      lua_pop(L, 1);
    }
    value_or_fail(optional_choice(input, key, choices));
  }
  lua_pushvalue(L, value);
  return 1;
}

// check.integer(input, key, min, max [, { required }]): the integer or nil.
int check_integer(lua_State* L) {
  lua_Integer min = luaL_checkinteger(L, 3);
  lua_Integer max = luaL_checkinteger(L, 4);
  luaL_argcheck(L, min <= max, 4, "max must not be less than min");
  Options o = read_options(L, 5, {"required"});
  push_field(L);
  int value = lua_gettop(L);
  if (lua_isnil(L, value)) fail_if_required(L, o);
  nlohmann::json input = one_field(L, scalar_json(L, value));
  value_or_fail(optional_int(input, lua_tostring(L, 2), min, max));
  lua_pushvalue(L, value);
  return 1;
}

// check.email(input, key [, { required }]): the address trimmed and
// lower-cased, or nil.
int check_email(lua_State* L) {
  Options o = read_options(L, 3, {"required"});
  push_field(L);
  int value = lua_gettop(L);
  if (lua_isnil(L, value)) fail_if_required(L, o);
  nlohmann::json input = one_field(L, scalar_json(L, value));
  auto email = value_or_fail(optional_email(input, lua_tostring(L, 2)));
  if (!email) return 0;
  lua_pushlstring(L, email->data(), email->size());
  return 1;
}

// check.durations(input, key [, { required, max_count, max_ms }]): the
// array itself (as given) or nil.
int check_durations(lua_State* L) {
  Options o = read_options(L, 3, {"required", "max_count", "max_ms"});
  push_field(L);
  int value = lua_gettop(L);
  if (lua_isnil(L, value)) fail_if_required(L, o);
  // Walk at most max_count + 1 entries, all of them integers; anything
  // else is refused without being read further.
  bool usable = lua_type(L, value) == LUA_TTABLE;
  lua_Integer count = 0;
  if (usable) {
    lua_pushnil(L);
    while (lua_next(L, value) != 0) {
      ++count;
      bool ok = lua_isinteger(L, -1) && count <= o.max_count;
      lua_pop(L, 1);
      if (!ok) {
        lua_pop(L, 1);
        usable = false;
        break;
      }
    }
    usable = usable && (count == 0 || is_json_array(L, value));
  }
  charge(L, static_cast<lua_Unsigned>(count));
  nlohmann::json items;
  if (!usable) {
    items = lua_isnil(L, value) ? nlohmann::json(nullptr) : nlohmann::json::object();
  } else {
    items = nlohmann::json::array();
    for (lua_Integer i = 1; i <= count; ++i) {
      lua_rawgeti(L, value, i);
      items.push_back(static_cast<int64_t>(lua_tointeger(L, -1)));
      lua_pop(L, 1);
    }
  }
  nlohmann::json input = one_field(L, std::move(items));
  value_or_fail(optional_delays(input, lua_tostring(L, 2), static_cast<size_t>(o.max_count), o.max_ms));
  lua_pushvalue(L, value);
  return 1;
}

// check.duration(v [, what]): milliseconds (an integer >= 0) or text such
// as "1h30m" (engine/base/duration.h), as milliseconds.
int check_duration(lua_State* L) {
  luaL_checkany(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TSTRING);
  if (lua_isinteger(L, 1) && lua_tointeger(L, 1) >= 0) {
    lua_settop(L, 1);
    return 1;
  }
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    auto parsed = parse_duration(std::string_view(s, len));
    if (parsed) {
      lua_pushinteger(L, *parsed);
      return 1;
    }
  }
  std::string what = lua_isstring(L, 2) ? std::string(lua_tostring(L, 2)) + ": " : std::string();
  throw CheckFailed(what + "'" + value_text(L, 1) + "' is not a duration");
}

}  // namespace

void push_check_library(lua_State* L) {
  // Errors without a position: the messages are for whoever sent the input.
  constexpr auto kNone = ErrorPosition::kNone;
  const luaL_Reg functions[] = {
      {"object", c_function<check_object, kNone>},     {"fields", c_function<check_fields, kNone>},
      {"string", c_function<check_string, kNone>},     {"integer", c_function<check_integer, kNone>},
      {"email", c_function<check_email, kNone>},       {"durations", c_function<check_durations, kNone>},
      {"duration", c_function<check_duration, kNone>}, {nullptr, nullptr},
  };
  luaL_newlib(L, functions);
}

}  // namespace sundial::lua
