// Lua values <-> JSON: how step results, inputs, signal payloads and the
// sandbox's json library cross between Lua and the engine.
//
// Mapping: nil <-> null, booleans, integers <-> JSON integers, floats <->
// JSON numbers (NaN and infinities are refused), strings <-> strings, a table
// whose keys are exactly 1..n (n > 0) <-> array, any other table <-> object
// (string keys; integer keys become their decimal text; an empty table is
// {}, except one marked as an array: a JSON [] arrives in Lua as an empty
// table so marked, so it goes back as [], and json.array(t) marks one). A secret reference
// (effects/secret_ref.h) becomes the text
// "[secret:NAME]". Functions, threads and other userdata are refused, as is nesting deeper
// than kMaxJsonDepth (which also stops cycles). Reads are raw: no
// metamethod of user code runs during a conversion.
//
// Threading: the caller's. The functions may raise Lua errors (memory) and
// throw LuaValueError: call them inside LuaSandbox::protect or a guarded C
// function.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

struct lua_State;

namespace sundial::lua {

inline constexpr int kMaxJsonDepth = 64;

struct LuaValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(lua_State* L, int index);
// Like to_json, but every userdata goes to `on_userdata(L, index, pointer)`
// (`pointer`: where it lands in the result, as a JSON Pointer), which
// returns its JSON or throws LuaValueError.
using UserdataToJson = std::function<nlohmann::json(lua_State*, int, const std::string& pointer)>;
nlohmann::json to_json(lua_State* L, int index, const UserdataToJson& on_userdata);
void push_json(lua_State* L, const nlohmann::json& value);
// Whether the value at `index` encodes as a JSON array (json.is_array):
// an array decoded from JSON, even an empty one, or a table with keys
// exactly 1..n. Reads raw (no metamethod runs).
bool is_json_array(lua_State* L, int index);

// Pushes the sandbox's `json` library table: json.encode(v) -> string and
// json.decode(s) -> value, both capped at `max_bytes` of text;
// json.array([t]) -> t marked as an array (empty: encodes as []) and
// json.is_array(v) -> whether v encodes as an array.
void push_json_library(lua_State* L, size_t max_bytes);

}  // namespace sundial::lua
