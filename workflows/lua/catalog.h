// ScriptCatalog: the Lua workflow types sundiald runs — where each comes
// from (a workflows directory, or the HTTP API), every version an instance
// may still replay, and every change to them while sundiald runs.
//
// Sources, in order: the versions stored in RocksDB (script_store.h: every
// version some instance may run, and the current version of API types),
// then the directories (the scripts shipped with Sundial, then
// `[workflows] dir`; a later directory's file replaces an earlier one's
// type). A file is the one source of truth for its type: the API refuses
// to replace or delete it. A version is stored before it becomes current,
// so an instance can always replay the version recorded on it; an old
// version is dropped once no instance holds it (the engine's version
// index), checked after each change, at start-up and when an instance of
// a type with old versions completes or is cancelled (engine events).
//
// Changes: put/remove (the API), reload (SIGHUP and file events). A
// script is compiled off the loop (on the engine's pool); a script that
// does not load is refused with "greet.lua:3: message" and the previous
// version stays current.
//
// Threading: open() at start-up before the loop runs; everything else on
// the loop thread. Ownership: borrows the Registry and the Engine (which
// outlive it); owns its scripts (shared with the registry's entries and
// the instances that run them) and its file watches. Destroy it before the
// Engine.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/loop/work_pool.h"
#include "engine/runtime/registry.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

class ScriptCatalog {
 public:
  struct Options {
    std::vector<std::filesystem::path> dirs;
    LuaOptions lua;
    // Each type's own config section ([workflows.<type>]): its ctx.config.
    std::map<std::string, nlohmann::json, std::less<>> type_config;
    // A type's own ctx:email templates and sender, in place of the shared
    // ones (lua.effects.email, `[workflows] templates_dir`): the shipped
    // nurture and reminders use their family's ([nurture] templates_dir).
    std::map<std::string, std::shared_ptr<const EmailDeps>, std::less<>> type_email;
    // A further check of a compiled script before it is installed (the
    // webhook triggers it declares); an error refuses it like a load error.
    std::function<Result<void>(const std::shared_ptr<const LuaScript>&)> check;
  };
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;
  // Told about each change of a type's current script (nullptr: the type
  // is retired); the webhook triggers a script declares follow it.
  using Listener = std::function<void(const std::string& type, std::shared_ptr<const LuaScript> current)>;

  ScriptCatalog(Registry& registry, Options options);
  ~ScriptCatalog();
  ScriptCatalog(const ScriptCatalog&) = delete;
  ScriptCatalog& operator=(const ScriptCatalog&) = delete;

  // Start-up: loads the stored versions and the directories, stores the
  // versions not stored yet. A directory script that does not load stops
  // start-up with its "file:line: message".
  Result<void> open(Engine& engine);
  // Watches the directories; a change reloads them (debounced).
  Result<void> watch(Loop& loop);
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  struct Installed {
    std::string type;
    std::string version;
    bool created = false;  // the type is new
  };
  // Installs `source` as the current version of `type` (the HTTP API).
  void put(std::string type, std::string source, Done<Installed> done);
  // Retires and deletes an API type that no instance runs any more.
  void remove(std::string type, Done<void> done);
  // Moves the instances that hold version `from` of `type` to its current
  // version, each only if the current code dry-replays its journal; one at
  // a time, so the loop stays responsive. Answers { type, from, to,
  // upgraded, not_upgraded, failures: [ { instance_id, error } ] } (the
  // first 100 failures: the first divergence of each).
  void upgrade(std::string type, std::string from, Done<nlohmann::json> done);
  // Re-reads the directories: changed files become new versions.
  // `finished`, when given, runs once every change is installed or refused.
  void reload(std::function<void()> finished = {});

  // The script of a type's version (its current one when `version` is
  // empty); nullptr when unknown.
  std::shared_ptr<const LuaScript> script(std::string_view type, std::string_view version = {}) const;
  // Every type (built-in and script) with its versions and how many
  // instances hold each: the body of GET /api/v1/workflows.
  void list(Done<nlohmann::json> done);

  // Every type's current script.
  std::vector<std::shared_ptr<const LuaScript>> current_scripts() const;

  // Where a script type comes from: "api" or the file's path; nullopt for
  // a type that is not a script type.
  std::optional<std::string> origin(std::string_view type) const;

 private:
  struct ScriptType {
    std::optional<std::filesystem::path> file;  // empty for API types
    std::string current;                        // empty: retired
    std::map<std::string, std::shared_ptr<const LuaScript>, std::less<>> versions;
  };
  using Compiled = Result<std::shared_ptr<const LuaScript>>;

  // The Lua options of `type`: the shared ones with its config section.
  LuaOptions lua_options(const std::string& type) const;
  Result<void> checked(const std::shared_ptr<const LuaScript>& script) const;
  Result<void> load_stored();
  Result<void> load_dirs_at_startup();
  // Registers a stored version; with `make_current` it becomes current.
  Result<void> adopt(const std::shared_ptr<const LuaScript>& script, bool make_current);
  // Stores (when new) and then makes current a compiled script.
  void install(std::shared_ptr<const LuaScript> script, std::optional<std::filesystem::path> file,
               Done<Installed> done);
  void compile(std::string type, std::string source, std::string chunkname,
               Done<std::shared_ptr<const LuaScript>> done);
  // Drops the versions of `type` that are not current and that no instance
  // holds any more.
  void collect_unused(const std::string& type);
  struct UpgradeRun;
  void upgrade_next(std::shared_ptr<UpgradeRun> run);
  // An engine event: an instance that ended may have been the last holder
  // of an old version.
  void instance_ended(const EngineEvent& event);
  void retire_file_type(const std::string& type);
  void notify(const std::string& type);
  // Wraps a callback the engine runs later on the loop: once the catalog
  // is destroyed (sundiald shutting down) it does nothing.
  template <typename Callback>
  auto while_alive(Callback callback);

  Registry& registry_;
  Options options_;
  Engine* engine_ = nullptr;
  std::unique_ptr<WorkScope> scope_;
  std::map<std::string, ScriptType, std::less<>> types_;
  Listener listener_;
  uint64_t subscription_ = 0;  // to the engine's events
  // Types with a collect_unused in flight, and those asked again meanwhile.
  std::set<std::string, std::less<>> collecting_;
  std::set<std::string, std::less<>> collect_again_;
  // "type\0version" of the installs in flight: a clean-up leaves them.
  std::multiset<std::string, std::less<>> installing_;
  struct Watches;
  std::unique_ptr<Watches> watches_;
  // Expires with the catalog; while_alive's callbacks hold a weak reference.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial::lua
