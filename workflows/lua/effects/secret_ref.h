// Secrets in Lua: ctx:secret("NAME") returns a reference, never the value.
// A reference (or text joined from references and strings with `..`) can
// be put where an effect reads text or JSON (ctx:http url, headers, body,
// json; ctx:email vars); the effect resolves it from the environment only
// when its step runs, and redacts every resolved value from what the step
// returns or reports. In every other place (tostring, json.encode, a step
// result, an error message) a reference shows as "[secret:NAME]", so the
// value never reaches Lua, the journal, history, SSE or logs.
//
// Threading: the Lua side on the calling state's thread; SecretScope is a
// plain value used on the loop thread by one step attempt.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

struct lua_State;

namespace sundial::lua {

// Text made of literal pieces and secret references.
struct SecretText {
  struct Piece {
    bool secret = false;
    std::string text;  // the literal text, or the secret's name
  };
  std::vector<Piece> pieces;

  static SecretText literal(std::string text) { return SecretText{{Piece{false, std::move(text)}}}; }
  bool has_secret() const;
  // Secrets shown as "[secret:NAME]".
  std::string display() const;
};

// JSON whose strings at `refs` (JSON Pointers) are secret text.
struct SecretJson {
  nlohmann::json doc;  // references shown as "[secret:NAME]"
  std::vector<std::pair<std::string, SecretText>> refs;
};

// Which environment variables scripts may read: config `[workflows]
// secrets`. `forbidden` (Sundial's own tokens: the admin and the worker
// token's variables) is never readable.
struct SecretPolicy {
  std::vector<std::string> allowed;
  std::vector<std::string> forbidden = {"SUNDIAL_ADMIN_TOKEN", "SUNDIAL_WORKER_TOKEN"};
  // nullopt when `name` may be read, else why not.
  std::optional<std::string> check(const std::string& name) const;
};

// One step attempt's resolved secrets: resolves references from the
// environment and redacts the values it resolved.
class SecretScope {
 public:
  explicit SecretScope(SecretPolicy policy) : policy_(std::move(policy)) {}
  // invalid_argument (permanent) when a secret is not allowed or not set.
  Result<std::string> resolve(const SecretText& text);
  Result<nlohmann::json> resolve(const SecretJson& json);
  // Every resolved value replaced by "[secret:NAME]".
  std::string redact(std::string s) const;
  nlohmann::json redact(const nlohmann::json& value) const;
  Error redact(Error e) const;

 private:
  SecretPolicy policy_;
  std::vector<std::pair<std::string, std::string>> resolved_;  // name, value
};

// ---- Lua side (call inside a guarded C function or protect) ---------------

inline constexpr const char* kSecretMeta = "sundial.secret";

// Pushes a reference to `text`.
void push_secret(lua_State* L, const SecretText& text);
// The reference at `index`, or nullopt when it is not one.
std::optional<SecretText> to_secret(lua_State* L, int index);
// A string, number or reference at `index` as SecretText; throws
// LuaValueError naming `what` for anything else.
SecretText secret_text_arg(lua_State* L, int index, const std::string& what);
// A Lua value as JSON, references kept as refs.
SecretJson secret_json_arg(lua_State* L, int index);

}  // namespace sundial::lua
