// LuaScript: one loaded workflow script — its sandboxed Lua state, compiled
// chunk and the checks made when it loads — and register_lua_script, which
// makes it a workflow type in the Registry.
//
// A script is a chunk that returns a table: `run(ctx, input)` (required),
// `validate(input)` (optional: an error refuses the start, a non-nil return
// value replaces the input that is stored) and `concurrency` (optional: the
// key a start without one takes, a table or a function of the input). See
// docs/lua.md.
//
// Threading: loop thread (the registry's and the engine's). Ownership:
// shared — the registry's entry and every live instance (LuaInstance) hold a
// shared_ptr, so the Lua state lives until the last instance is gone.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/runtime/registry.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/sandbox.h"

namespace sundial::lua {

struct LuaOptions {
  LuaLimits limits;
  // The connectors, outbound policy and secrets behind ctx:http,
  // ctx:email and ctx:secret (effects/effect.h).
  LuaEffects effects;
  // The workflow's own section, `[workflows.<type>]`, as a JSON object:
  // the script reads it as ctx.config. Default: {}.
  nlohmann::json config = nlohmann::json::object();
};

class LuaScript {
 public:
  // Compiles `source` and runs its chunk once in a scratch environment to
  // check that it returns { run = function, validate = function|nil }.
  // `chunkname` names the script in errors and tracebacks ("greet.lua").
  // A script that does not load is invalid_argument "greet.lua:3: message".
  static Result<std::shared_ptr<LuaScript>> load(std::string type, std::string_view source,
                                                 std::string chunkname, LuaOptions options = {});

  const std::string& type() const { return type_; }
  const std::string& chunkname() const { return chunkname_; }
  // The script's text, and its version: the sha256 hex of that text.
  const std::string& source() const { return source_; }
  const std::string& version() const { return version_; }
  bool has_validate() const { return has_validate_; }
  bool has_concurrency() const { return has_concurrency_; }
  // The script's `search_attributes` (engine/model/search_attributes.h), by name.
  const std::vector<SearchAttributeSpec>& search_attributes() const { return search_attributes_; }
  LuaSandbox& sandbox() const { return *sandbox_; }
  const LuaOptions& options() const { return options_; }
  // Registry ref of ctx.config: one read-only proxy of options().config,
  // made at load and shared by every instance (nothing can write to it).
  int config_ref() const { return config_ref_; }

  // Runs validate(input) in a fresh environment: the input to store, or
  // invalid_argument with the script's error message.
  Result<nlohmann::json> validate(const nlohmann::json& input) const;
  // The script's `concurrency` for a start with this (validated) input:
  // the table, or what the function returns (nil: no key); invalid_argument
  // for a spec that does not parse (engine/model/concurrency.h).
  Result<std::optional<ConcurrencySpec>> concurrency(const nlohmann::json& input) const;

 private:
  LuaScript() = default;
  // Runs hook `name` (validate, concurrency) on `input` in a fresh
  // environment: what it returned (nullopt for nil, or no such hook).
  Result<std::optional<nlohmann::json>> call_hook(const char* name, const nlohmann::json& input) const;

  std::string type_;
  std::string chunkname_;
  std::string source_;
  std::string version_;
  LuaOptions options_;
  std::unique_ptr<LuaSandbox> sandbox_;
  bool has_validate_ = false;
  bool has_concurrency_ = false;
  std::vector<SearchAttributeSpec> search_attributes_;
  int config_ref_ = -1;
};

// Adds the script to `registry` as a version of its type (its content
// hash) and makes it the type's current version: its instances run as Lua
// coroutines driven by lua_workflow (workflow.h), and validate() is the
// type's input check when the script has one.
Result<void> register_lua_script(Registry& registry, std::shared_ptr<const LuaScript> script,
                                 bool make_current = true);

// Runs a fresh copy of the script's chunk, in a fresh environment, on
// `thread` (pushed on L by the caller's sandbox.push_thread). On success the
// thread's stack holds just the script table and the result is empty;
// otherwise it says what is wrong. Inside sandbox.protect().
std::string run_chunk(LuaSandbox& sandbox, lua_State* L, lua_State* thread, const std::string& chunkname);

}  // namespace sundial::lua
