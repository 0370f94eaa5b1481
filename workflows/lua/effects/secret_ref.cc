#include "workflows/lua/effects/secret_ref.h"

#include <algorithm>
#include <cstdlib>

#include <lua.hpp>

#include "workflows/lua/c_function.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {

bool SecretText::has_secret() const {
  return std::any_of(pieces.begin(), pieces.end(), [](const Piece& p) { return p.secret; });
}

std::string SecretText::display() const {
  std::string out;
  for (const auto& p : pieces) out += p.secret ? "[secret:" + p.text + "]" : p.text;
  return out;
}

std::optional<std::string> SecretPolicy::check(const std::string& name) const {
  if (std::find(forbidden.begin(), forbidden.end(), name) != forbidden.end()) {
    return "secret " + name + " is Sundial's own token (admin or worker) and is never readable";
  }
  if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
    return "secret " + name + " is not in [workflows] secrets";
  }
  return std::nullopt;
}

Result<std::string> SecretScope::resolve(const SecretText& text) {
  std::string out;
  for (const auto& p : text.pieces) {
    if (!p.secret) {
      out += p.text;
      continue;
    }
    if (auto why = policy_.check(p.text)) return make_error(ErrorCode::kInvalidArgument, *why);
    const char* value = std::getenv(p.text.c_str());
    if (value == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "secret " + p.text + " is not set in sundiald's environment");
    }
    std::string v(value);
    bool known =
        std::any_of(resolved_.begin(), resolved_.end(), [&](const auto& r) { return r.first == p.text; });
    if (!known && !v.empty()) resolved_.emplace_back(p.text, v);
    out += v;
  }
  return out;
}

Result<nlohmann::json> SecretScope::resolve(const SecretJson& json) {
  nlohmann::json out = json.doc;
  for (const auto& [pointer, text] : json.refs) {
    auto value = resolve(text);
    if (!value) return std::unexpected(value.error());
    out[nlohmann::json::json_pointer(pointer)] = std::move(*value);
  }
  return out;
}

std::string SecretScope::redact(std::string s) const {
  // Longest values first, so a value containing another is replaced whole.
  std::vector<const std::pair<std::string, std::string>*> order;
  for (const auto& r : resolved_) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->second.size() > b->second.size(); });
  for (const auto* r : order) {
    std::string mark = "[secret:" + r->first + "]";
    for (size_t at = s.find(r->second); at != std::string::npos; at = s.find(r->second, at + mark.size())) {
      s.replace(at, r->second.size(), mark);
    }
  }
  return s;
}

nlohmann::json SecretScope::redact(const nlohmann::json& value) const {
  if (resolved_.empty()) return value;
  if (value.is_string()) return redact(value.get<std::string>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : value) out.push_back(redact(v));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.items()) out[redact(k)] = redact(v);
    return out;
  }
  return value;
}

Error SecretScope::redact(Error e) const {
  e.message = redact(std::move(e.message));
  return e;
}

// ---- Lua side --------------------------------------------------------------

namespace {

// The reference's pieces live in its uservalue: an array whose strings are
// literal text and whose one-element tables { name } are secrets.
int secret_tostring(lua_State* L) {
  auto text = to_secret(L, 1);
  std::string shown = text ? text->display() : std::string("[secret]");
  lua_pushlstring(L, shown.data(), shown.size());
  return 1;
}

int secret_concat(lua_State* L) {
  SecretText joined;
  for (int i = 1; i <= 2; ++i) {
    SecretText part = secret_text_arg(L, i, "..");
    for (auto& p : part.pieces) joined.pieces.push_back(std::move(p));
  }
  push_secret(L, joined);
  return 1;
}

int secret_index(lua_State* L) {
  return luaL_error(L, "a secret reference has no fields: pass it to ctx:http or ctx:email as a value");
}

}  // namespace

void push_secret(lua_State* L, const SecretText& text) {
  luaL_checkstack(L, 4, "secret reference");
  lua_newuserdatauv(L, 0, 1);
  if (luaL_newmetatable(L, kSecretMeta) != 0) {
    lua_pushcfunction(L, c_function<secret_tostring>);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, c_function<secret_concat>);
    lua_setfield(L, -2, "__concat");
    lua_pushcfunction(L, secret_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, secret_index);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  lua_createtable(L, static_cast<int>(text.pieces.size()), 0);
  lua_Integer i = 0;
  for (const auto& p : text.pieces) {
    if (p.secret) {
      lua_createtable(L, 1, 0);
      lua_pushlstring(L, p.text.data(), p.text.size());
      lua_rawseti(L, -2, 1);
    } else {
      lua_pushlstring(L, p.text.data(), p.text.size());
    }
    lua_rawseti(L, -2, ++i);
  }
  lua_setiuservalue(L, -2, 1);
}

std::optional<SecretText> to_secret(lua_State* L, int index) {
  if (luaL_testudata(L, index, kSecretMeta) == nullptr) return std::nullopt;
  index = lua_absindex(L, index);
  luaL_checkstack(L, 3, "secret reference");
  SecretText text;
  lua_getiuservalue(L, index, 1);
  lua_Unsigned n = lua_rawlen(L, -1);
  for (lua_Unsigned i = 1; i <= n; ++i) {
    int type = lua_rawgeti(L, -1, static_cast<lua_Integer>(i));
    if (type == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      text.pieces.push_back({true, std::string(s, len)});
      lua_pop(L, 1);
    } else {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      text.pieces.push_back({false, std::string(s, len)});
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return text;
}

SecretText secret_text_arg(lua_State* L, int index, const std::string& what) {
  if (lua_type(L, index) == LUA_TSTRING || lua_type(L, index) == LUA_TNUMBER) {
    lua_pushvalue(L, index);  // tolstring converts a number in place: on a copy
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string copy(s, len);
    lua_pop(L, 1);
    return SecretText::literal(std::move(copy));
  }
  if (auto secret = to_secret(L, index)) return *secret;
  throw LuaValueError(what + " must be a string or a secret reference, not a " + luaL_typename(L, index));
}

SecretJson secret_json_arg(lua_State* L, int index) {
  SecretJson out;
  out.doc = to_json(L, index, [&](lua_State* S, int i, const std::string& pointer) -> nlohmann::json {
    auto secret = to_secret(S, i);
    if (!secret) throw LuaValueError(std::string("cannot convert a ") + luaL_typename(S, i) + " to JSON");
    out.refs.emplace_back(pointer, *secret);
    return secret->display();
  });
  return out;
}

}  // namespace sundial::lua
