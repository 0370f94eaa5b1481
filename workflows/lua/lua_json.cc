#include "workflows/lua/lua_json.h"

#include <cmath>
#include <string>

#include <lua.hpp>

#include "workflows/lua/c_function.h"
#include "workflows/lua/effects/secret_ref.h"

namespace sundial::lua {
namespace {

// A conversion's hook and where it is (a JSON Pointer), kept only when
// there is a hook.
struct Walk {
  const UserdataToJson* on_userdata = nullptr;
  std::string pointer;
};

// Appends "/<token>" to the walk's pointer while alive.
class PathPart {
 public:
  PathPart(Walk* walk, const std::string& token) : walk_(walk) {
    if (walk_ == nullptr) return;
    size_ = walk_->pointer.size();
    walk_->pointer += '/';
    for (char c : token) {
      if (c == '~') {
        walk_->pointer += "~0";
      } else if (c == '/') {
        walk_->pointer += "~1";
      } else {
        walk_->pointer += c;
      }
    }
  }
  ~PathPart() {
    if (walk_ != nullptr) walk_->pointer.resize(size_);
  }
  PathPart(const PathPart&) = delete;
  PathPart& operator=(const PathPart&) = delete;

 private:
  Walk* walk_;
  size_t size_ = 0;
};

nlohmann::json table_to_json(lua_State* L, int index, int depth, Walk* walk);

nlohmann::json value_to_json(lua_State* L, int index, int depth, Walk* walk = nullptr) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      return nullptr;
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) != 0;
    case LUA_TNUMBER: {
      if (lua_isinteger(L, index)) return static_cast<int64_t>(lua_tointeger(L, index));
      double d = lua_tonumber(L, index);
      if (!std::isfinite(d)) throw LuaValueError("cannot convert NaN or infinity to JSON");
      return d;
    }
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    case LUA_TTABLE:
      return table_to_json(L, index, depth, walk);
    case LUA_TUSERDATA:
      if (walk != nullptr && walk->on_userdata != nullptr)
        return (*walk->on_userdata)(L, index, walk->pointer);
      if (auto secret = to_secret(L, index)) return secret->display();
      [[fallthrough]];
    default:
      throw LuaValueError(std::string("cannot convert a ") + luaL_typename(L, index) + " to JSON");
  }
}

// The metatable that marks a table as a JSON array (an empty one decoded
// from [], or one json.array made): kept in the state's registry,
// protected (__metatable), so a script can neither read nor change it.
constexpr const char* kArrayMarker = "sundial.json.array";

void push_array_marker(lua_State* L) {
  if (luaL_newmetatable(L, kArrayMarker) != 0) {
    lua_pushliteral(L, "json.array");
    lua_setfield(L, -2, "__metatable");
  }
}

bool has_array_marker(lua_State* L, int index) {
  if (lua_getmetatable(L, index) == 0) return false;
  luaL_getmetatable(L, kArrayMarker);
  bool marked = lua_rawequal(L, -1, -2) != 0;
  lua_pop(L, 2);
  return marked;
}

// n when the keys of the table at `index` (absolute) are exactly 1..n
// (n > 0), else 0; *empty tells whether it has no key at all. Reads raw.
lua_Unsigned sequence_length(lua_State* L, int index, bool* empty) {
  lua_Unsigned n = lua_rawlen(L, index);
  lua_Unsigned count = 0;
  bool all_sequence = true;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    ++count;
    if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 ||
        static_cast<lua_Unsigned>(lua_tointeger(L, -2)) > n) {
      all_sequence = false;
    }
    lua_pop(L, 1);
  }
  *empty = count == 0;
  return n > 0 && all_sequence && count == n ? n : 0;
}

nlohmann::json table_to_json(lua_State* L, int index, int depth, Walk* walk) {
  if (depth >= kMaxJsonDepth) {
    throw LuaValueError("cannot convert to JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels (or a cycle)");
  }
  index = lua_absindex(L, index);
  luaL_checkstack(L, 4, "json conversion");
  bool empty = false;
  lua_Unsigned n = sequence_length(L, index, &empty);
  if (empty && has_array_marker(L, index)) return nlohmann::json::array();
  if (n > 0) {
    nlohmann::json out = nlohmann::json::array();
    for (lua_Unsigned i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, static_cast<lua_Integer>(i));
      PathPart part(walk, walk != nullptr ? std::to_string(i - 1) : std::string());
      out.push_back(value_to_json(L, -1, depth + 1, walk));
      lua_pop(L, 1);
    }
    return out;
  }
  nlohmann::json out = nlohmann::json::object();
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    std::string key;
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, -2, &len);
      key.assign(s, len);
    } else if (lua_isinteger(L, -2)) {
      key = std::to_string(lua_tointeger(L, -2));
    } else {
      throw LuaValueError(std::string("cannot convert to JSON: a table key is a ") + luaL_typename(L, -2) +
                          " (keys must be strings or integers)");
    }
    PathPart part(walk, walk != nullptr ? key : std::string());
    out[std::move(key)] = value_to_json(L, -1, depth + 1, walk);
    lua_pop(L, 1);
  }
  return out;
}

void push_value(lua_State* L, const nlohmann::json& value, int depth) {
  if (depth >= kMaxJsonDepth) {
    throw LuaValueError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  luaL_checkstack(L, 3, "json conversion");
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      lua_pushnil(L);
      return;
    case nlohmann::json::value_t::boolean:
      lua_pushboolean(L, value.get<bool>() ? 1 : 0);
      return;
    case nlohmann::json::value_t::number_integer:
      lua_pushinteger(L, value.get<int64_t>());
      return;
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = value.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        lua_pushnumber(L, static_cast<double>(u));
      } else {
        lua_pushinteger(L, static_cast<lua_Integer>(u));
      }
      return;
    }
    case nlohmann::json::value_t::number_float:
      lua_pushnumber(L, value.get<double>());
      return;
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case nlohmann::json::value_t::array: {
      lua_createtable(L, static_cast<int>(value.size()), 0);
      if (value.empty()) {
        push_array_marker(L);
        lua_setmetatable(L, -2);
      }
      lua_Integer i = 1;
      for (const auto& item : value) {
        push_value(L, item, depth + 1);
        lua_rawseti(L, -2, i++);
      }
      return;
    }
    case nlohmann::json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(value.size()));
      for (const auto& [key, item] : value.items()) {
        lua_pushlstring(L, key.data(), key.size());
        push_value(L, item, depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
    case nlohmann::json::value_t::binary:
      throw LuaValueError("cannot convert binary JSON to Lua");
  }
}

size_t max_bytes(lua_State* L) { return static_cast<size_t>(lua_tointeger(L, lua_upvalueindex(1))); }

int json_encode(lua_State* L) {
  luaL_checkany(L, 1);
  std::string text = value_to_json(L, 1, 0).dump();
  if (text.size() > max_bytes(L)) {
    throw LuaValueError("json.encode: the text would exceed " + std::to_string(max_bytes(L)) + " bytes");
  }
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int json_decode(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  if (len > max_bytes(L)) {
    throw LuaValueError("json.decode: the text is longer than " + std::to_string(max_bytes(L)) + " bytes");
  }
  nlohmann::json value = nlohmann::json::parse(s, s + len, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) throw LuaValueError("json.decode: not valid JSON");
  push_value(L, value, 0);
  return 1;
}

// json.array([t]): marks t (default: a new table) as an array and
// returns it, so an empty one encodes as [].
int json_array(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getmetatable(L, 1) != 0) {
    if (!has_array_marker(L, 1)) throw LuaValueError("json.array: the table has a metatable already");
    lua_pop(L, 1);
    return 1;
  }
  push_array_marker(L);
  lua_setmetatable(L, 1);
  return 1;
}

// json.is_array(v): whether v encodes as a JSON array (an array decoded
// from JSON, even an empty one, or a table with keys exactly 1..n).
int json_is_array(lua_State* L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, is_json_array(L, 1) ? 1 : 0);
  return 1;
}

}  // namespace

bool is_json_array(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TTABLE) return false;
  index = lua_absindex(L, index);
  bool empty = false;
  lua_Unsigned n = sequence_length(L, index, &empty);
  return empty ? has_array_marker(L, index) : n > 0;
}

nlohmann::json to_json(lua_State* L, int index) { return value_to_json(L, index, 0); }

nlohmann::json to_json(lua_State* L, int index, const UserdataToJson& on_userdata) {
  Walk walk{&on_userdata, {}};
  return value_to_json(L, index, 0, &walk);
}

void push_json(lua_State* L, const nlohmann::json& value) { push_value(L, value, 0); }

void push_json_library(lua_State* L, size_t bytes) {
  lua_createtable(L, 0, 4);
  lua_pushcfunction(L, c_function<json_array>);
  lua_setfield(L, -2, "array");
  lua_pushcfunction(L, c_function<json_is_array>);
  lua_setfield(L, -2, "is_array");
  lua_pushinteger(L, static_cast<lua_Integer>(bytes));
  lua_pushcclosure(L, c_function<json_encode>, 1);
  lua_setfield(L, -2, "encode");
  lua_pushinteger(L, static_cast<lua_Integer>(bytes));
  lua_pushcclosure(L, c_function<json_decode>, 1);
  lua_setfield(L, -2, "decode");
}

}  // namespace sundial::lua
