#include "workflows/lua/catalog.h"

#include <uv.h>

#include <spdlog/spdlog.h>

#include "engine/loop/timer.h"
#include "engine/loop/uv_handle.h"
#include "engine/storage/keys.h"
#include "workflows/lua/loader.h"
#include "workflows/lua/script_store.h"

namespace sundial::lua {
namespace {

// File events come in bursts (an editor writes, renames, touches): reload
// once they settle.
constexpr uint64_t kReloadDebounceMs = 200;

std::string prefix_end(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// Whether some instance holds each given version of `type` (version
// index): 1 or 0, from the first key of each (a clean-up runs after every
// instance of an old version ends, so it must stay cheap).
Result<std::map<std::string, size_t>> count_holders(Store& store, const std::string& type,
                                                    const std::vector<std::string>& versions) {
  std::map<std::string, size_t> counts;
  for (const std::string& version : versions) {
    size_t n = 0;
    SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::version_index_prefix(type, version),
                            [&n](std::string_view, std::string_view) {
                              ++n;
                              return false;
                            }));
    counts[version] = n;
  }
  return counts;
}

}  // namespace

struct ScriptCatalog::Watches {
  std::vector<std::unique_ptr<UvHandle<uv_fs_event_t>>> events;
  std::unique_ptr<UvTimer> debounce;
};

template <typename Callback>
auto ScriptCatalog::while_alive(Callback callback) {
  return [alive = std::weak_ptr<char>(alive_), callback = std::move(callback)](auto&&... args) mutable {
    if (alive.expired()) return;
    callback(std::forward<decltype(args)>(args)...);
  };
}

ScriptCatalog::ScriptCatalog(Registry& registry, Options options)
    : registry_(registry), options_(std::move(options)) {}

ScriptCatalog::~ScriptCatalog() {
  if (engine_ != nullptr && subscription_ != 0) engine_->events().unsubscribe(subscription_);
}

Result<void> ScriptCatalog::open(Engine& engine) {
  engine_ = &engine;
  options_.lua.effects.kv = &engine.kv();
  options_.lua.effects.topics = &engine.topics();
  scope_ = std::make_unique<WorkScope>(engine.pool());
  SUNDIAL_TRY(load_stored());
  SUNDIAL_TRY(load_dirs_at_startup());
  for (const auto& [type, state] : types_) collect_unused(type);
  subscription_ = engine.events().subscribe([this](const EngineEvent& event) { instance_ended(event); });
  return ok();
}

void ScriptCatalog::instance_ended(const EngineEvent& event) {
  if (event.type != EventType::kCompleted && event.type != EventType::kCancelled) return;
  collect_unused(event.workflow_type);  // at once back for a type without old versions
}

LuaOptions ScriptCatalog::lua_options(const std::string& type) const {
  LuaOptions lua = options_.lua;
  if (auto it = options_.type_config.find(type); it != options_.type_config.end()) lua.config = it->second;
  if (auto it = options_.type_email.find(type); it != options_.type_email.end())
    lua.effects.email = it->second;
  return lua;
}

Result<void> ScriptCatalog::checked(const std::shared_ptr<const LuaScript>& script) const {
  return options_.check ? options_.check(script) : ok();
}

Result<void> ScriptCatalog::load_stored() {
  std::vector<StoredScript> stored;
  SUNDIAL_TRY(
      engine_->scan_meta_at_startup(kScriptVersionPrefix, [&](std::string_view key, std::string_view value) {
        if (auto script = decode_script(key, value)) {
          stored.push_back(std::move(*script));
        } else {
          spdlog::error("script store: skipping an unreadable row");
        }
        return true;
      }));
  for (StoredScript& s : stored) {
    auto script = LuaScript::load(s.type, s.source, s.chunkname, lua_options(s.type));
    if (!script) {  // the limits changed since it was stored: its instances fail when they wake
      spdlog::error("stored version {} of workflow '{}' no longer loads: {}", s.version, s.type,
                    script.error().message);
      continue;
    }
    SUNDIAL_TRY(adopt(*script, false));
  }
  std::vector<std::pair<std::string, std::string>> api_current;
  SUNDIAL_TRY(
      engine_->scan_meta_at_startup(kApiCurrentPrefix, [&](std::string_view key, std::string_view value) {
        if (auto version = decode_api_current(value)) {
          api_current.emplace_back(std::string(key.substr(kApiCurrentPrefix.size())), std::move(*version));
        }
        return true;
      }));
  for (auto& [type, version] : api_current) {
    auto it = types_.find(type);
    if (it == types_.end() || !registry_.set_current(type, version)) {
      spdlog::error("workflow '{}': its current version {} is not stored", type, version);
      continue;
    }
    it->second.current = version;
  }
  return ok();
}

Result<void> ScriptCatalog::load_dirs_at_startup() {
  std::map<std::string, ScriptFile> files;  // a later directory's file wins
  for (const auto& dir : options_.dirs) {
    SUNDIAL_ASSIGN_OR_RETURN(auto paths, list_script_files(dir));
    for (const auto& path : paths) {
      SUNDIAL_ASSIGN_OR_RETURN(ScriptFile file, read_script_file(path));
      std::string type = file.type;
      files.insert_or_assign(std::move(type), std::move(file));
    }
  }
  Batch batch;
  std::vector<std::shared_ptr<const LuaScript>> loaded;
  for (auto& [type, file] : files) {
    if (const WorkflowType* existing = registry_.find(type); existing && existing->kind == "builtin") {
      return make_error(ErrorCode::kInvalidArgument,
                        file.path.string() + ": workflow type '" + type + "' is built into sundiald");
    }
    // Named by its file name, not its path: a trigger's map error (a 400
    // to whoever posts) and tracebacks show the name only.
    auto script = LuaScript::load(type, file.source, file.path.filename().string(), lua_options(type));
    if (!script) return make_error(script.error().code, file.path.string() + ": " + script.error().message);
    SUNDIAL_TRY(checked(*script));
    auto it = types_.find(type);
    if (it != types_.end() && !it->second.file && !it->second.current.empty()) {
      spdlog::warn("workflow '{}' from {} replaces the version installed through the API", type,
                   file.path.string());
      batch.del(Cf::kMeta, api_current_key(type));
    }
    if (it == types_.end() || !it->second.versions.contains((*script)->version())) {
      put_script(batch, StoredScript{type, (*script)->version(), file.source, (*script)->chunkname()});
    }
    loaded.push_back(*script);
  }
  SUNDIAL_TRY(engine_->write_meta_at_startup(batch));
  for (const auto& script : loaded) {
    SUNDIAL_TRY(adopt(script, true));
    types_[script->type()].file = files.at(script->type()).path;
    spdlog::info("workflow '{}' version {} from {}", script->type(), script->version().substr(0, 12),
                 files.at(script->type()).path.string());
  }
  return ok();
}

Result<void> ScriptCatalog::adopt(const std::shared_ptr<const LuaScript>& script, bool make_current) {
  ScriptType& state = types_[script->type()];
  auto known = state.versions.find(script->version());
  std::shared_ptr<const LuaScript> kept = known != state.versions.end() ? known->second : script;
  SUNDIAL_TRY(register_lua_script(registry_, kept, make_current));
  state.versions.emplace(kept->version(), kept);
  if (make_current) state.current = kept->version();
  return ok();
}

std::vector<std::shared_ptr<const LuaScript>> ScriptCatalog::current_scripts() const {
  std::vector<std::shared_ptr<const LuaScript>> out;
  for (const auto& [type, state] : types_) {
    if (auto s = script(type)) out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::string> ScriptCatalog::origin(std::string_view type) const {
  auto it = types_.find(type);
  if (it == types_.end()) return std::nullopt;
  return it->second.file ? it->second.file->string() : std::string("api");
}

std::shared_ptr<const LuaScript> ScriptCatalog::script(std::string_view type,
                                                       std::string_view version) const {
  auto it = types_.find(type);
  if (it == types_.end()) return nullptr;
  auto v = it->second.versions.find(version.empty() ? std::string_view(it->second.current) : version);
  return v == it->second.versions.end() ? nullptr : v->second;
}

void ScriptCatalog::compile(std::string type, std::string source, std::string chunkname,
                            Done<std::shared_ptr<const LuaScript>> done) {
  scope_->run(
      [lua = lua_options(type), type = std::move(type), source = std::move(source),
       chunkname = std::move(chunkname)]() -> Compiled {
        auto script = LuaScript::load(type, source, chunkname, lua);
        if (!script) return std::unexpected(script.error());
        return std::shared_ptr<const LuaScript>(std::move(*script));
      },
      [this, done = std::move(done)](Compiled compiled) mutable {
        if (compiled) {
          if (auto ok = checked(*compiled); !ok) return done(std::unexpected(ok.error()));
        }
        done(std::move(compiled));
      });
}

void ScriptCatalog::install(std::shared_ptr<const LuaScript> script,
                            std::optional<std::filesystem::path> file, Done<Installed> done) {
  const std::string type = script->type();
  auto it = types_.find(type);
  bool created = it == types_.end() || it->second.current.empty();
  Batch batch;
  // Stored even when known: a clean-up may be dropping this old version
  // right now, and this write, ordered after its, puts it back.
  put_script(batch, StoredScript{type, script->version(), script->source(), script->chunkname()});
  // ...and one deciding after this starts leaves it alone.
  std::string installing = type + '\0' + script->version();
  installing_.insert(installing);
  if (file) {
    batch.del(Cf::kMeta, api_current_key(type));
  } else {
    batch.put(Cf::kMeta, api_current_key(type), encode_api_current(script->version()));
  }
  engine_->write_meta(std::move(batch),
                      while_alive([this, script = std::move(script), file = std::move(file), created,
                                   installing, done = std::move(done)](Result<void> written) mutable {
                        installing_.erase(installing_.find(installing));
                        if (!written) return done(std::unexpected(written.error()));
                        if (auto adopted = adopt(script, true); !adopted)
                          return done(std::unexpected(adopted.error()));
                        types_[script->type()].file = std::move(file);
                        notify(script->type());
                        collect_unused(script->type());
                        done(Installed{script->type(), script->version(), created});
                      }));
}

void ScriptCatalog::put(std::string type, std::string source, Done<Installed> done) {
  if (auto named = keys::validate_type_name(type); !named) return done(std::unexpected(named.error()));
  if (const WorkflowType* t = registry_.find(type); t && t->kind == "builtin") {
    return done(make_error(ErrorCode::kConflict,
                           "workflow type '" + type + "' is built into sundiald and cannot be replaced"));
  }
  if (auto it = types_.find(type); it != types_.end() && it->second.file) {
    return done(make_error(ErrorCode::kConflict, "workflow type '" + type + "' is loaded from " +
                                                     it->second.file->string() + "; edit that file instead"));
  }
  std::string chunkname = type + ".lua";
  if (auto text = check_script_text(chunkname, source); !text) return done(std::unexpected(text.error()));
  compile(type, std::move(source), std::move(chunkname),
          [this, type, done = std::move(done)](Compiled compiled) mutable {
            if (!compiled) return done(std::unexpected(compiled.error()));
            auto it = types_.find(type);
            if (it != types_.end() && it->second.file) {  // a file claimed the type meanwhile
              return done(make_error(ErrorCode::kConflict, "workflow type '" + type + "' is loaded from " +
                                                               it->second.file->string()));
            }
            if (it != types_.end() && it->second.current == (*compiled)->version()) {
              return done(Installed{type, it->second.current, false});
            }
            install(std::move(*compiled), std::nullopt, std::move(done));
          });
}

void ScriptCatalog::remove(std::string type, Done<void> done) {
  auto it = types_.find(type);
  if (it == types_.end() || it->second.current.empty()) {
    if (const WorkflowType* t = registry_.find(type); t && t->kind == "builtin") {
      return done(make_error(ErrorCode::kConflict, "workflow type '" + type + "' is built into sundiald"));
    }
    return done(make_error(ErrorCode::kNotFound, "no workflow script '" + type + "'"));
  }
  if (it->second.file) {
    return done(make_error(ErrorCode::kConflict, "workflow type '" + type + "' is loaded from " +
                                                     it->second.file->string() +
                                                     "; delete that file instead"));
  }
  // Retire first, so no new instance starts; then count behind a commit,
  // so every start accepted before is counted.
  std::string was_current = it->second.current;
  registry_.retire(type);
  it->second.current.clear();
  Batch retire;
  retire.del(Cf::kMeta, api_current_key(type));
  engine_->write_meta(
      std::move(retire),
      while_alive([this, type, was_current, done = std::move(done)](Result<void> written) mutable {
        auto restore = [this, type, was_current] {
          if (registry_.set_current(type, was_current)) types_[type].current = was_current;
          Batch back;
          back.put(Cf::kMeta, api_current_key(type), encode_api_current(was_current));
          engine_->write_meta(std::move(back), [type](Result<void> r) {
            if (!r)
              spdlog::error("workflow '{}': could not restore its current version: {}", type,
                            r.error().message);
          });
        };
        if (!written) {
          restore();
          return done(std::unexpected(written.error()));
        }
        engine_->read<size_t>(
            [type](Store& snapshot) -> Result<size_t> {
              size_t n = 0;
              SUNDIAL_TRY(scan_prefix(snapshot, Cf::kIndex, keys::version_index_type_prefix(type),
                                      [&n](std::string_view, std::string_view) {
                                        ++n;
                                        return true;
                                      }));
              return n;
            },
            while_alive([this, type, restore, done = std::move(done)](Result<size_t> holders) mutable {
              if (!holders || *holders > 0) {
                restore();
                if (!holders) return done(std::unexpected(holders.error()));
                return done(
                    make_error(ErrorCode::kConflict,
                               "workflow type '" + type + "' has " + std::to_string(*holders) +
                                   " instance(s) that may still run; cancel them or let them finish first"));
              }
              Batch drop;
              std::string prefix = script_versions_prefix(type);
              drop.delete_range(Cf::kMeta, prefix, prefix_end(prefix));
              engine_->write_meta(
                  std::move(drop),
                  while_alive([this, type, done = std::move(done)](Result<void> dropped) mutable {
                    if (!dropped) return done(std::unexpected(dropped.error()));
                    registry_.remove(type);
                    types_.erase(type);
                    notify(type);
                    done(ok());
                  }));
            }));
      }));
}

struct ScriptCatalog::UpgradeRun {
  std::string type, from, to;
  std::vector<std::string> ids;
  size_t next = 0, upgraded = 0, not_upgraded = 0;
  nlohmann::json failures = nlohmann::json::array();
  Done<nlohmann::json> done;
};

void ScriptCatalog::upgrade(std::string type, std::string from, Done<nlohmann::json> done) {
  auto it = types_.find(type);
  if (it == types_.end() || it->second.current.empty()) {
    return done(make_error(ErrorCode::kNotFound, "no workflow script '" + type + "'"));
  }
  if (from == it->second.current) {
    return done(make_error(ErrorCode::kInvalidArgument, "version " + from + " is already the current one"));
  }
  auto run = std::make_shared<UpgradeRun>();
  run->type = type;
  run->from = from;
  run->to = it->second.current;
  run->done = std::move(done);
  // A shared list, not a vector in the Result: GCC 12 warns about moving
  // an expected<vector> (a false maybe-uninitialized).
  engine_->read<std::shared_ptr<std::vector<std::string>>>(
      [type, from](Store& snapshot) -> Result<std::shared_ptr<std::vector<std::string>>> {
        auto ids = std::make_shared<std::vector<std::string>>();
        std::string prefix = keys::version_index_prefix(type, from);
        SUNDIAL_TRY(scan_prefix(snapshot, Cf::kIndex, prefix, [&](std::string_view key, std::string_view) {
          ids->emplace_back(key.substr(prefix.size()));
          return true;
        }));
        return ids;
      },
      while_alive([this, run](Result<std::shared_ptr<std::vector<std::string>>> ids) mutable {
        if (!ids) return run->done(std::unexpected(ids.error()));
        run->ids = std::move(**ids);
        upgrade_next(std::move(run));
      }));
}

void ScriptCatalog::upgrade_next(std::shared_ptr<UpgradeRun> run) {
  if (run->next == run->ids.size()) {
    collect_unused(run->type);
    return run->done(nlohmann::json{{"type", run->type},
                                    {"from", run->from},
                                    {"to", run->to},
                                    {"upgraded", run->upgraded},
                                    {"not_upgraded", run->not_upgraded},
                                    {"failures", std::move(run->failures)}});
  }
  std::string id = run->ids[run->next++];
  engine_->upgrade(id, run->from, run->to, while_alive([this, run, id](Result<CommandReply> moved) mutable {
                     if (moved) {
                       ++run->upgraded;
                     } else {
                       ++run->not_upgraded;
                       if (run->failures.size() < 100) {
                         run->failures.push_back({{"instance_id", id}, {"error", moved.error().to_string()}});
                       }
                     }
                     upgrade_next(std::move(run));
                   }));
}

void ScriptCatalog::collect_unused(const std::string& type) {
  auto it = types_.find(type);
  if (it == types_.end()) return;
  std::vector<std::string> old;
  for (const auto& [version, script] : it->second.versions) {
    if (version != it->second.current) old.push_back(version);
  }
  if (old.empty()) return;
  // One clean-up of a type at a time; a request meanwhile runs it again after.
  if (!collecting_.insert(type).second) {
    collect_again_.insert(type);
    return;
  }
  auto finished = [this, type] {
    collecting_.erase(type);
    if (collect_again_.erase(type) > 0) collect_unused(type);
  };
  engine_->read<std::map<std::string, size_t>>(
      [type, old](Store& snapshot) { return count_holders(snapshot, type, old); },
      while_alive([this, type, finished](Result<std::map<std::string, size_t>> counts) {
        if (!counts) {
          spdlog::warn("workflow '{}': cannot count its versions' instances: {}", type,
                       counts.error().message);
          return finished();
        }
        Batch drop;
        std::vector<std::string> dropped;
        for (const auto& [version, holders] : *counts) {
          auto state = types_.find(type);
          if (holders > 0 || state == types_.end() || state->second.current == version ||
              installing_.contains(type + '\0' + version))
            continue;
          drop.del(Cf::kMeta, script_version_key(type, version));
          dropped.push_back(version);
        }
        if (dropped.empty()) return finished();
        engine_->write_meta(std::move(drop),
                            while_alive([this, type, dropped, finished](Result<void> written) {
                              if (written) {
                                auto state = types_.find(type);
                                for (const std::string& version : dropped) {
                                  registry_.remove_version(type, version);
                                  if (state != types_.end() && state->second.current != version)
                                    state->second.versions.erase(version);
                                }
                                if (state != types_.end() && state->second.versions.empty())
                                  types_.erase(state);
                              }
                              finished();
                            }));
      }));
}

void ScriptCatalog::list(Done<nlohmann::json> done) {
  std::vector<std::pair<std::string, std::vector<std::string>>> wanted;
  for (const auto& [type, state] : types_) {
    std::vector<std::string> versions;
    for (const auto& [version, script] : state.versions) versions.push_back(version);
    wanted.emplace_back(type, std::move(versions));
  }
  engine_->read<std::map<std::string, std::map<std::string, size_t>>>(
      [wanted](Store& snapshot) -> Result<std::map<std::string, std::map<std::string, size_t>>> {
        std::map<std::string, std::map<std::string, size_t>> out;
        for (const auto& [type, versions] : wanted) {
          SUNDIAL_ASSIGN_OR_RETURN(out[type], count_holders(snapshot, type, versions));
        }
        return out;
      },
      while_alive([this, done = std::move(done)](
                      Result<std::map<std::string, std::map<std::string, size_t>>> counts) mutable {
        if (!counts) return done(std::unexpected(counts.error()));
        nlohmann::json workflows = nlohmann::json::array();
        std::map<std::string, nlohmann::json> by_type;
        for (const WorkflowType* t : registry_.list()) {
          if (t->kind == "builtin") {
            by_type[t->name] = {{"type", t->name},
                                {"kind", t->kind},
                                {"description", t->description},
                                {"version", nullptr},
                                {"versions", nlohmann::json::array()}};
          }
        }
        for (const auto& [type, state] : types_) {
          nlohmann::json versions = nlohmann::json::array();
          auto add = [&](const std::string& version) {
            versions.push_back({{"version", version}, {"running", (*counts)[type][version]}});
          };
          if (!state.current.empty()) add(state.current);
          for (const auto& [version, script] : state.versions) {
            if (version != state.current) add(version);
          }
          const LuaScript* current = state.current.empty() ? nullptr : state.versions.at(state.current).get();
          by_type[type] = {{"type", type},
                           {"kind", "lua"},
                           {"description", current ? "Lua script " + current->chunkname() : "retired"},
                           {"origin", state.file ? state.file->string() : std::string("api")},
                           {"version", current ? nlohmann::json(state.current) : nlohmann::json(nullptr)},
                           {"versions", std::move(versions)}};
        }
        for (auto& [type, entry] : by_type) workflows.push_back(std::move(entry));
        done(nlohmann::json{{"workflows", std::move(workflows)}});
      }));
}

void ScriptCatalog::notify(const std::string& type) {
  if (listener_) listener_(type, script(type));
}

void ScriptCatalog::retire_file_type(const std::string& type) {
  auto it = types_.find(type);
  if (it == types_.end() || !it->second.file) return;
  spdlog::warn("workflow '{}': {} is gone; no new instances start (running ones finish)", type,
               it->second.file->string());
  registry_.retire(type);
  it->second.current.clear();
  it->second.file.reset();
  notify(type);
  collect_unused(type);
}

void ScriptCatalog::reload(std::function<void()> finished) {
  // Runs `finished` when the last compile or install of this reload is done.
  auto pending = std::make_shared<size_t>(1);
  auto one_done = [pending, finished = std::move(finished)] {
    if (--*pending == 0 && finished) finished();
  };
  std::map<std::string, std::filesystem::path> files;
  for (const auto& dir : options_.dirs) {
    auto paths = list_script_files(dir);
    if (!paths) {
      spdlog::error("reload: {}", paths.error().message);
      return one_done();  // an unreadable directory retires nothing
    }
    for (const auto& path : *paths) files.insert_or_assign(path.stem().string(), path);
  }
  std::vector<std::string> gone;
  for (const auto& [type, state] : types_) {
    if (state.file && !files.contains(type)) gone.push_back(type);
  }
  for (const std::string& type : gone) retire_file_type(type);
  for (const auto& [type, path] : files) {
    auto file = read_script_file(path);
    if (!file) {
      spdlog::error("reload: {}", file.error().message);
      continue;
    }
    if (const WorkflowType* t = registry_.find(type); t && t->kind == "builtin") {
      spdlog::error("reload: {}: workflow type '{}' is built into sundiald", path.string(), type);
      continue;
    }
    auto it = types_.find(type);
    if (it != types_.end() && it->second.file == path && !it->second.current.empty() &&
        it->second.versions.at(it->second.current)->source() == file->source) {
      continue;  // unchanged
    }
    ++*pending;
    compile(type, std::move(file->source), path.filename().string(),
            [this, path, one_done](Compiled compiled) mutable {
              if (!compiled) {
                spdlog::error("reload: {}: {} (the previous version stays current)", path.string(),
                              compiled.error().message);
                return one_done();
              }
              install(std::move(*compiled), path, [path, one_done](Result<Installed> installed) {
                if (!installed) {
                  spdlog::error("reload: {}: {}", path.string(), installed.error().message);
                } else {
                  spdlog::info("workflow '{}' now runs version {} from {}", installed->type,
                               installed->version.substr(0, 12), path.string());
                }
                one_done();
              });
            });
  }
  one_done();
}

Result<void> ScriptCatalog::watch(Loop& loop) {
  watches_ = std::make_unique<Watches>();
  watches_->debounce = std::make_unique<UvTimer>(loop, [this] { reload(); });
  watches_->debounce->set_keeps_loop_alive(false);
  for (const auto& dir : options_.dirs) {
    auto handle = std::make_unique<UvHandle<uv_fs_event_t>>();
    if (int rc = uv_fs_event_init(loop.raw(), handle->get()); rc != 0) {
      return make_error(ErrorCode::kInternal, std::string("uv_fs_event_init: ") + uv_strerror(rc));
    }
    handle->mark_initialized();
    handle->get()->data = this;
    int rc = uv_fs_event_start(
        handle->get(),
        [](uv_fs_event_t* h, const char*, int, int) {
          auto* self = static_cast<ScriptCatalog*>(h->data);
          if (self != nullptr && self->watches_) self->watches_->debounce->start(kReloadDebounceMs);
        },
        dir.c_str(), 0);
    if (rc != 0) {
      return make_error(ErrorCode::kInternal, "cannot watch " + dir.string() + ": " + uv_strerror(rc));
    }
    uv_unref(handle->base());
    watches_->events.push_back(std::move(handle));
  }
  return ok();
}

}  // namespace sundial::lua
