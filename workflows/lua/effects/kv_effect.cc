// ctx:kv(name, {...}): one operation on the engine's durable key-value
// facility as a durable step (engine/kv/kv_step.h, docs/kv.md):
//
//   { namespace = "ns", get = "key" }
//       → { found =, key =, value =, version =, deleted =, ... }
//   { namespace = "ns", put = "key", value = v, if_version = n }
//       → { ok =, version =, conflict =, replayed =, unchanged =, entry = }
//   { namespace = "ns", delete = "key", if_version = n }
//       → the same; the entry stays as a tombstone (deleted = true)
//
// `if_version` (optional) is a compare-and-set: 0 means "the entry must
// not exist yet". A conflict is an answer (ok = false, conflict = true,
// entry as found), not an error. The write is tagged with the step's
// idempotency key, so a retry after a crash finds it instead of writing
// again. See effect.h for the convention, docs/lua.md for the contract.
#include <lua.hpp>

#include "engine/kv/kv_step.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

std::string text_field(lua_State* L, const char* field, const std::string& what) {
  if (lua_type(L, -1) != LUA_TSTRING) throw LuaValueError(what + ": " + field + " must be a string");
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  return std::string(s, len);
}

KvStepRequest read_kv_request(lua_State* L) {
  const std::string m = "ctx:kv";
  check_known_fields(L, 3, m, {"namespace", "get", "put", "delete", "value", "if_version"});
  KvStepRequest req;
  if (raw_field(L, 3, "namespace") == LUA_TNIL) throw LuaValueError(m + ": namespace is required");
  req.ns = text_field(L, "namespace", m);
  lua_pop(L, 1);
  int ops = 0;
  const std::pair<const char*, KvStepRequest::Kind> kinds[] = {{"get", KvStepRequest::Kind::kGet},
                                                               {"put", KvStepRequest::Kind::kPut},
                                                               {"delete", KvStepRequest::Kind::kDelete}};
  for (const auto& [field, kind] : kinds) {
    if (raw_field(L, 3, field) != LUA_TNIL) {
      req.kind = kind;
      req.key = text_field(L, field, m);
      ++ops;
    }
    lua_pop(L, 1);
  }
  if (ops != 1) throw LuaValueError(m + ": give one of get, put or delete (the key)");
  bool put = req.kind == KvStepRequest::Kind::kPut;
  if (raw_field(L, 3, "value") != LUA_TNIL) {
    if (!put) throw LuaValueError(m + ": value belongs to a put");
    req.value = to_json(L, -1);
  } else if (put) {
    throw LuaValueError(m + ": put: value is required (delete removes an entry)");
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "if_version") != LUA_TNIL) {
    if (req.kind == KvStepRequest::Kind::kGet)
      throw LuaValueError(m + ": if_version belongs to a put or delete");
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0) {
      throw LuaValueError(m + ": if_version must be a whole number, 0 or more");
    }
    req.if_version = static_cast<uint64_t>(lua_tointeger(L, -1));
  }
  lua_pop(L, 1);
  if (auto valid = check_kv_step(req); !valid) throw LuaValueError(m + ": " + valid.error().message);
  return req;
}

AsyncStepFn build_kv(lua_State* L, const EffectEnv& env) {
  KvStepRequest req = read_kv_request(L);
  if (env.effects.kv == nullptr) {
    return [](const StepInfo&, StepDone done) {
      done(make_error(ErrorCode::kInvalidArgument, "ctx:kv is not available: no key-value store"));
    };
  }
  return kv_step(*env.effects.kv, std::move(req));
}

}  // namespace

const Effect kKvEffect{"kv", &build_kv};

}  // namespace sundial::lua
