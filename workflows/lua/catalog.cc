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

// How many instances hold each given version of `type` (version index).
Result<std::map<std::string, size_t>> count_holders(Store& store, const std::string& type,
                                                    const std::vector<std::string>& versions) {
  std::map<std::string, size_t> counts;
  for (const std::string& version : versions) {
    size_t n = 0;
    SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::version_index_prefix(type, version),
                            [&n](std::string_view, std::string_view) {
                              ++n;
                              return true;
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

ScriptCatalog::ScriptCatalog(Registry& registry, Options options)
    : registry_(registry), options_(std::move(options)) {}

ScriptCatalog::~ScriptCatalog() = default;

Result<void> ScriptCatalog::open(Engine& engine) {
  engine_ = &engine;
  scope_ = std::make_unique<WorkScope>(engine.pool());
  SUNDIAL_TRY(load_stored());
  SUNDIAL_TRY(load_dirs_at_startup());
  for (const auto& [type, state] : types_) collect_unused(type);
  return ok();
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
    auto script = LuaScript::load(type, file.source, file.path.string(), lua_options(type));
    if (!script) return std::unexpected(script.error());
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
  if (it == types_.end() || !it->second.versions.contains(script->version())) {
    put_script(batch, StoredScript{type, script->version(), script->source(), script->chunkname()});
  }
  if (file) {
    batch.del(Cf::kMeta, api_current_key(type));
  } else {
    batch.put(Cf::kMeta, api_current_key(type), encode_api_current(script->version()));
  }
  engine_->write_meta(std::move(batch), [this, script = std::move(script), file = std::move(file), created,
                                         done = std::move(done)](Result<void> written) mutable {
    if (!written) return done(std::unexpected(written.error()));
    if (auto adopted = adopt(script, true); !adopted) return done(std::unexpected(adopted.error()));
    types_[script->type()].file = std::move(file);
    notify(script->type());
    collect_unused(script->type());
    done(Installed{script->type(), script->version(), created});
  });
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
  engine_->write_meta(std::move(retire), [this, type, was_current,
                                          done = std::move(done)](Result<void> written) mutable {
    auto restore = [this, type, was_current] {
      if (registry_.set_current(type, was_current)) types_[type].current = was_current;
      Batch back;
      back.put(Cf::kMeta, api_current_key(type), encode_api_current(was_current));
      engine_->write_meta(std::move(back), [type](Result<void> r) {
        if (!r)
          spdlog::error("workflow '{}': could not restore its current version: {}", type, r.error().message);
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
        [this, type, restore, done = std::move(done)](Result<size_t> holders) mutable {
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
          engine_->write_meta(std::move(drop),
                              [this, type, done = std::move(done)](Result<void> dropped) mutable {
                                if (!dropped) return done(std::unexpected(dropped.error()));
                                registry_.remove(type);
                                types_.erase(type);
                                notify(type);
                                done(ok());
                              });
        });
  });
}

void ScriptCatalog::collect_unused(const std::string& type) {
  auto it = types_.find(type);
  if (it == types_.end()) return;
  std::vector<std::string> old;
  for (const auto& [version, script] : it->second.versions) {
    if (version != it->second.current) old.push_back(version);
  }
  if (old.empty()) return;
  engine_->read<std::map<std::string, size_t>>(
      [type, old](Store& snapshot) { return count_holders(snapshot, type, old); },
      [this, type](Result<std::map<std::string, size_t>> counts) {
        if (!counts)
          return spdlog::warn("workflow '{}': cannot count its versions' instances: {}", type,
                              counts.error().message);
        Batch drop;
        std::vector<std::string> dropped;
        for (const auto& [version, holders] : *counts) {
          auto state = types_.find(type);
          if (holders > 0 || state == types_.end() || state->second.current == version) continue;
          drop.del(Cf::kMeta, script_version_key(type, version));
          dropped.push_back(version);
        }
        if (dropped.empty()) return;
        engine_->write_meta(std::move(drop), [this, type, dropped](Result<void> written) {
          if (!written) return;
          auto state = types_.find(type);
          for (const std::string& version : dropped) {
            registry_.remove_version(type, version);
            if (state != types_.end() && state->second.current != version)
              state->second.versions.erase(version);
          }
          if (state != types_.end() && state->second.versions.empty()) types_.erase(state);
        });
      });
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
      [this,
       done = std::move(done)](Result<std::map<std::string, std::map<std::string, size_t>>> counts) mutable {
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
      });
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
    compile(type, std::move(file->source), path.string(), [this, path, one_done](Compiled compiled) mutable {
      if (!compiled) {
        spdlog::error("reload: {} (the previous version stays current)", compiled.error().message);
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
