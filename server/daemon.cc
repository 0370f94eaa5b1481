#include "server/daemon.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "connectors/github/github_client.h"
#include "connectors/http/async_http_client.h"
#include "connectors/http/outbound_policy.h"
#include "connectors/notion/notion_client.h"
#include "connectors/resend/resend_client.h"
#include "engine/engine.h"
#include "engine/limits/limiter_catalog.h"
#include "engine/loop/timer.h"
#include "engine/loop/uv_handle.h"
#include "engine/schedules/time_zone.h"
#include "engine/storage/rocksdb_store.h"
#include "engine/topics/subscription_service.h"
#include "server/alerts/alert_monitor.h"
#include "server/api/auth.h"
#include "server/config/daemon_args.h"
#include "server/ops/data_dir_lock.h"
#include "server/ops/logging.h"
#include "server/sundial_server.h"
#include "server/webhooks/webhook_handler.h"
#include "sundial_version.h"
#include "workflows/email/email_step.h"
#include "workflows/lua/catalog.h"
#include "workflows/lua/script_schedules.h"
#include "workflows/lua/script_subscriptions.h"
#include "workflows/lua/trigger_routes.h"
#include "workflows/modules.h"
#include "workflows/shipped_scripts.h"

namespace sundial {
namespace {

// SIGTERM/SIGINT handling on the loop: the first signal starts a graceful
// stop, a second one (or the shutdown timeout) closes connections at once.
class ShutdownSignals {
 public:
  ShutdownSignals(std::function<void()> graceful, std::function<void()> immediate)
      : graceful_(std::move(graceful)), immediate_(std::move(immediate)) {}
  // Installs the handlers; an error names the libuv call that refused (a
  // daemon that cannot be stopped cleanly must not start).
  Result<void> start(Loop& loop) {
    for (auto [handle, signum] : {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}}) {
      if (int rc = uv_signal_init(loop.raw(), handle->get()); rc != 0) {
        return make_error(ErrorCode::kInternal,
                          std::string("cannot handle signals: uv_signal_init: ") + uv_strerror(rc));
      }
      handle->mark_initialized();
      handle->get()->data = this;
      if (int rc = uv_signal_start(handle->get(), &ShutdownSignals::on_signal, signum); rc != 0) {
        return make_error(ErrorCode::kInternal, std::string("cannot handle signal ") +
                                                    std::to_string(signum) +
                                                    ": uv_signal_start: " + uv_strerror(rc));
      }
    }
    return ok();
  }
  void close() {
    sigterm_.close();
    sigint_.close();
  }

 private:
  static void on_signal(uv_signal_t* h, int signum) noexcept {
    auto* self = static_cast<ShutdownSignals*>(h->data);
    if (self == nullptr) return;
    if (self->received_++ == 0) {
      spdlog::info("received signal {}: stopping; answering requests in flight", signum);
      self->graceful_();
    } else {
      spdlog::warn("received signal {} again: closing connections now", signum);
      self->immediate_();
    }
  }

  UvHandle<uv_signal_t> sigterm_, sigint_;
  std::function<void()> graceful_, immediate_;
  int received_ = 0;
};

// --recover=salvage: opens the data directory keeping its WAL up to the
// first damage, makes that durable, says what was dropped, and exits.
int salvage_storage(const EngineOptions& engine) {
  auto lock = ops::DataDirLock::acquire(engine.data_dir);
  if (!lock) {
    spdlog::critical("{}", lock.error().message);
    return 1;
  }
  RocksDbOptions storage = engine.storage;
  storage.path = engine.data_dir;
  storage.recovery = WalRecovery::kSalvage;
  auto store = RocksDbStore::open(storage);
  if (!store) {
    spdlog::critical("salvage of '{}' failed: {}", engine.data_dir, store.error().to_string());
    return 1;
  }
  const SalvageReport& report = *(*store)->salvage_report();
  if (report.damage_found()) {
    spdlog::warn("salvaged '{}': {}", engine.data_dir, report.to_string());
  } else {
    spdlog::info("salvage of '{}': {}", engine.data_dir, report.to_string());
  }
  store->reset();
  spdlog::info("start sundiald again without --recover to serve");
  spdlog::shutdown();
  return 0;
}

// --restore BACKUP: copies a backup into the empty data directory (under
// its lock, so no sundiald serves it meanwhile), opens the result once to
// check it (an older format is migrated there), and exits.
int restore_storage(const EngineOptions& engine, const std::string& backup) {
  auto lock = ops::DataDirLock::acquire(engine.data_dir);
  if (!lock) {
    spdlog::critical("{}", lock.error().message);
    return 1;
  }
  auto restored = restore_backup(backup, engine.data_dir, kSchemaVersion, {ops::DataDirLock::kFileName});
  if (!restored) {
    spdlog::critical("restore from '{}' failed: {}", backup, restored.error().message);
    return 1;
  }
  RocksDbOptions storage = engine.storage;
  storage.path = engine.data_dir;
  auto store = RocksDbStore::open(storage);
  if (!store) {
    spdlog::critical("the restored data directory '{}' does not open: {}", engine.data_dir,
                     store.error().to_string());
    return 1;
  }
  store->reset();
  spdlog::info("restored '{}' into '{}': {} files, {} bytes, the data as of {} (unix ms)", backup,
               engine.data_dir, restored->files, restored->bytes, restored->created_at);
  spdlog::info("start sundiald again without --restore to serve");
  spdlog::shutdown();
  return 0;
}

// What a webhook trigger's map may run ([workflows] map_instructions).
lua::TriggerOptions trigger_options(const DaemonConfig& config) {
  lua::TriggerOptions options;
  options.map_instructions = config.workflows.map_instructions;
  return options;
}

// What the Lua workflow scripts get: the directories (the shipped scripts,
// then [workflows] dir), the connectors behind their effects, their config
// sections, and the check that their webhook triggers are well declared.
// A type a module serves (the shipped nurture and reminders) gets the
// module's settings: its table as ctx.config, with [workflows.<type>] keys
// over it, and its family's templates for ctx:email.
Result<lua::ScriptCatalog::Options> lua_script_options(
    const DaemonConfig& config, AsyncHttpClient& http, Limiters& limiters, ResendClient& resend,
    NotionClient& notion, GitHubClient& github,
    const std::map<std::string, ScriptTypeSettings, std::less<>>& module_types,
    const std::vector<std::string>& script_folders_off) {
  lua::ScriptCatalog::Options options;
  options.lua.limits = config.workflows.limits;
  if (config.workflows.shipped) {
    // The families' folders, less those of families that are off (bench).
    for (const auto& dir : shipped_script_dirs()) {
      if (std::find(script_folders_off.begin(), script_folders_off.end(), dir.filename().string()) ==
          script_folders_off.end()) {
        options.dirs.push_back(dir);
      }
    }
  }
  if (!config.workflows.dir.empty()) options.dirs.emplace_back(config.workflows.dir);
  for (const auto& [type, settings] : module_types) {
    options.type_config[type] = settings.config;
    if (settings.email) options.type_email[type] = settings.email;
  }
  for (const auto& [type, section] : config.workflows.type_config) {
    options.type_config[type].merge_patch(section);
  }
  lua::LuaEffects& effects = options.lua.effects;
  effects.http = &http;
  effects.limiters = &limiters;
  effects.notion = &notion;
  effects.github = &github;
  auto policy = OutboundPolicy::parse(config.workflows.http_allow);
  if (!policy)
    return make_error(ErrorCode::kInvalidArgument, "workflows.http_allow: " + policy.error().message);
  effects.http_policy = std::make_shared<OutboundPolicy>(std::move(*policy));
  effects.http_max_response_bytes = config.workflows.http_max_response_bytes;
  effects.secrets.allowed = config.workflows.secrets;
  effects.secrets.forbidden = {config.server.admin_token_env, config.server.worker_token_env,
                               config.server.viewer_token_env, config.alerts.secret_env};
  if (!config.workflows.templates_dir.empty()) {
    std::string from = config.workflows.email_from.empty() ? config.resend.from : config.workflows.email_from;
    SUNDIAL_ASSIGN_OR_RETURN(
        effects.email, load_email_deps(resend, std::move(from), config.workflows.templates_dir, "workflows"));
  }
  options.check = [triggers = trigger_options(config)](
                      const std::shared_ptr<const lua::LuaScript>& script) -> Result<void> {
    SUNDIAL_TRY(lua::lua_trigger_routes(script, secret_from_env, triggers));
    return ok();
  };
  return options;
}

// Checks that each schedule of the file starts a workflow type this
// server has, then declares them (ScheduleService::declare).
Result<void> declare_config_schedules(Engine& engine, const std::vector<ScheduleSpec>& schedules) {
  for (const ScheduleSpec& s : schedules) {
    if (s.action.kind == ScheduleActionKind::kStart && engine.registry().find(s.action.target) == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "[schedules." + s.id + "] action.start.type '" +
                                                         s.action.target +
                                                         "' is not a workflow type of this server");
    }
  }
  std::vector<DeclaredSchedule> declared_specs;
  for (const ScheduleSpec& s : schedules) declared_specs.push_back({s, ""});
  auto declared = engine.schedules().declare(std::move(declared_specs), ScheduleSource::kConfig);
  if (!declared) {
    return make_error(declared.error().code, "[schedules] cannot be applied: " + declared.error().message);
  }
  if (!schedules.empty()) spdlog::info("{} schedules declared in the config file", schedules.size());
  return ok();
}

// Checks that each subscription of `source` (the file's, or every
// script's) starts a workflow type this server has, then declares them
// (SubscriptionService::declare), waiting for the write: start-up goes on
// only with them in place, before delivery starts.
Result<void> declare_subscriptions(Loop& loop, Engine& engine, SubscriptionSource source,
                                   std::vector<SubscriptionService::Declared> subs) {
  bool file = source == SubscriptionSource::kConfig;
  for (const auto& [s, owner] : subs) {
    std::string type = s.action.value("type", "");
    if (s.kind == SubscriptionActionKind::kStart && engine.registry().find(type) == nullptr) {
      std::string where = file ? "[subscriptions." + s.id + "]" : "workflow '" + owner + "': subscription '" + s.id + "':";
      return make_error(ErrorCode::kInvalidArgument,
                        where + " action.start.type '" + type + "' is not a workflow type of this server");
    }
  }
  size_t count = subs.size();
  std::optional<Result<void>> declared;
  engine.subscriptions().declare(source, std::move(subs), [&declared](Result<void> r) { declared = std::move(r); });
  while (!declared) loop.run_once();
  if (!*declared) {
    return make_error(declared->error().code, std::string(file ? "[subscriptions]" : "the workflow scripts' subscriptions") +
                                                  " cannot be applied: " + declared->error().message);
  }
  if (count > 0) spdlog::info("{} subscriptions declared {}", count, file ? "in the config file" : "by workflow scripts");
  return ok();
}

// Every current script's subscriptions, with its type as their owner.
Result<std::vector<SubscriptionService::Declared>> script_subscriptions(const lua::ScriptCatalog& scripts) {
  std::vector<SubscriptionService::Declared> out;
  for (const auto& script : scripts.current_scripts()) {
    SUNDIAL_ASSIGN_OR_RETURN(std::vector<SubscriptionSpec> specs, lua::script_subscriptions(*script));
    for (auto& spec : specs) out.push_back({std::move(spec), script->type()});
  }
  return out;
}

// The file's subscriptions and those the modules declare from their
// settings; an id both use is a configuration error.
Result<std::vector<SubscriptionSpec>> with_module_subscriptions(std::vector<SubscriptionSpec> file,
                                                                const std::vector<SubscriptionSpec>& modules) {
  for (const SubscriptionSpec& declared : modules) {
    bool taken = std::any_of(file.begin(), file.end(),
                             [&](const SubscriptionSpec& s) { return s.id == declared.id; });
    if (taken) {
      return make_error(ErrorCode::kInvalidArgument,
                        "[subscriptions." + declared.id + "]: this id is the one a workflow family declares "
                        "from its settings (docs/events.md); pick another");
    }
    file.push_back(declared);
  }
  return file;
}

// [alerts] as the monitor's options, with the signing secret read at start.
alerts::AlertMonitorOptions alert_options(const AlertSettings& a, std::string secret) {
  alerts::AlertMonitorOptions o;
  o.interval = a.interval;
  o.delivery.url = a.url;
  o.delivery.secret = std::move(secret);
  o.delivery.max_attempts = static_cast<int>(a.max_attempts);
  o.delivery.first_backoff = a.retry_backoff;
  o.delivery.max_backoff = std::max(a.retry_backoff, a.interval);
  o.delivery.timeout = a.timeout;
  o.delivery.max_pending = static_cast<size_t>(a.max_pending);
  return o;
}

}  // namespace

int run_daemon(const std::vector<std::string>& args) {
  auto parsed = parse_daemon_args(args);
  if (!parsed) {
    std::fputs(daemon_usage_error(parsed.error().message).c_str(), stderr);
    return 2;
  }
  if (parsed->show_help) {
    std::fputs(daemon_usage().c_str(), stdout);
    return 0;
  }
  if (parsed->show_version) {
    std::fputs(version_text("sundiald").c_str(), stdout);
    return 0;
  }
  const DaemonConfig& config = parsed->config;
  if (auto logging = ops::configure_logging(config.server.log_format, config.server.log_level); !logging) {
    std::fprintf(stderr, "sundiald: %s\n", logging.error().message.c_str());
    return 2;
  }
  spdlog::info("sundiald {}{}", build_version(),
               build_commit().empty() ? std::string() : " (" + std::string(build_commit()) + ")");
  if (parsed->salvage) return salvage_storage(config.engine);
  if (parsed->restore_from) return restore_storage(config.engine, *parsed->restore_from);
  std::optional<std::string> admin_token = secret_from_env(config.server.admin_token_env);
  // [server] cors_origins without an admin token applies to the webhook
  // routes only (SundialServer warns): the open API gets no CORS.
  if (!admin_token && !api::is_loopback_host(config.server.listen_host)) {
    spdlog::critical("refusing to listen on {} without an admin token: set ${} or listen on 127.0.0.1",
                     config.server.listen_host, config.server.admin_token_env);
    return 1;
  }
  if (auto checked = check_alert_settings(config.alerts, secret_from_env); !checked) {
    std::fprintf(stderr, "sundiald: %s\n", checked.error().message.c_str());
    return 2;
  }
  std::optional<std::string> worker_token = secret_from_env(config.server.worker_token_env);
  std::optional<std::string> viewer_token = secret_from_env(config.server.viewer_token_env);
  // Equal tokens would make a role another's (a viewer that is an admin):
  // refused, naming the variables.
  {
    std::vector<std::pair<const std::string*, const std::optional<std::string>*>> tokens = {
        {&config.server.admin_token_env, &admin_token},
        {&config.server.worker_token_env, &worker_token},
        {&config.server.viewer_token_env, &viewer_token}};
    for (size_t i = 0; i < tokens.size(); ++i) {
      for (size_t j = i + 1; j < tokens.size(); ++j) {
        if (*tokens[i].second && *tokens[j].second && **tokens[i].second == **tokens[j].second) {
          std::fprintf(stderr, "sundiald: $%s and $%s hold the same token; give each role its own\n",
                       tokens[i].first->c_str(), tokens[j].first->c_str());
          return 2;
        }
      }
    }
  }

  Loop loop;
  SystemClock clock;
  // Outbound email: Resend, or log mode without an API key.
  AsyncHttpClient http_client(loop, clock);
  ResendOptions resend_options = config.resend.client;
  resend_options.api_key = secret_from_env(config.resend.api_key_env);
  // The shared rate limiters ([limits.<name>]) ctx:http steps name, and
  // `resend`, which every email waits for.
  NotionOptions notion_options = config.notion;
  notion_options.token = secret_from_env(config.notion.token_env);
  GitHubOptions github_options = config.github;
  github_options.token = secret_from_env(config.github.token_env);
  Limiters limiters(
      loop, clock,
      with_github_limiter(
          with_notion_limiter(with_resend_limiter(config.limits, resend_options), notion_options),
          github_options));
  // The limiters made through the API (PUT /api/v1/limits/{name}), stored
  // in the engine: loaded as it opens, before recovery resumes the steps
  // that name them.
  LimiterCatalog limit_catalog(limiters);
  ResendClient resend(http_client, limiters, resend_options);
  // ctx:notion's client: every request waits for the limiter `notion`.
  NotionClient notion(http_client, limiters, notion_options);
  // ctx:github's client: every request waits for the limiter `github`.
  GitHubClient github(http_client, limiters, clock, github_options);
  if (resend.log_mode()) {
    spdlog::warn("${} is not set: emails are logged and journaled, not sent (log mode)",
                 config.resend.api_key_env);
  }
  // The workflow families (workflows/modules.h) register their types and
  // describe their webhook routes. An error is a start-up configuration
  // error naming its key (a templates_dir without templates).
  // Every time zone is read from the tz database now, off the loop, so a
  // schedule that names one later reads no file on the loop thread.
  std::jthread warm_zones([] {
    auto started = std::chrono::steady_clock::now();
    size_t zones = warm_time_zones();
    spdlog::debug(
        "{} time zones loaded in {} ms", zones,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
  });
  Registry registry;
  ModuleHost modules{registry, resend, config.resend.from, config.webhooks, secret_from_env, {}, {}, {},
                     {},       {}};
  if (auto started = BuiltinModules::start(config, modules); !started) {
    std::fprintf(stderr, "sundiald: %s\n", started.error().message.c_str());
    return 2;
  }
  // The Lua workflow scripts: the versions stored, the shipped ones, then
  // [workflows] dir. They load while the engine opens, before recovery
  // resumes the instances that run them. A script that does not load
  // stops start-up.
  auto script_options = lua_script_options(config, http_client, limiters, resend, notion, github,
                                           modules.script_types, modules.script_folders_off);
  if (!script_options) {
    std::fprintf(stderr, "sundiald: %s\n", script_options.error().message.c_str());
    return 2;
  }
  auto scripts = std::make_unique<lua::ScriptCatalog>(registry, std::move(*script_options));
  // [subscriptions.<id>] and the modules' own (the Notion dependencies').
  auto file_subscriptions = with_module_subscriptions(config.subscriptions, modules.subscriptions);
  if (!file_subscriptions) {
    std::fprintf(stderr, "sundiald: %s\n", file_subscriptions.error().message.c_str());
    return 2;
  }
  // One sundiald per data directory: refused here, naming the other's pid,
  // rather than by RocksDB's LOCK file. Held until the process ends.
  auto data_dir_lock = ops::DataDirLock::acquire(config.engine.data_dir);
  if (!data_dir_lock) {
    spdlog::critical("{}", data_dir_lock.error().message);
    return 1;
  }
  EngineOptions engine_options = config.engine;
  std::optional<Error> scripts_error;
  std::optional<Error> subscriptions_error;
  engine_options.before_recovery = [&scripts, &scripts_error, &limit_catalog, &loop, &file_subscriptions,
                                    &subscriptions_error](Engine& opening) -> Result<void> {
    if (auto limits = limit_catalog.open(opening); !limits) {
      spdlog::critical("cannot load the rate limiters made through the API: {}", limits.error().to_string());
      return limits;
    }
    auto loaded = scripts->open(opening);
    if (!loaded) {
      scripts_error = loaded.error();
      return loaded;
    }
    // Before delivery starts (after recovery): a subscription the file or
    // a script changed or removed never acts in its old form.
    std::vector<SubscriptionService::Declared> from_file;
    for (const SubscriptionSpec& spec : *file_subscriptions) from_file.push_back({spec, ""});
    auto declared = declare_subscriptions(loop, opening, SubscriptionSource::kConfig, std::move(from_file));
    if (declared) {
      auto from_scripts = script_subscriptions(*scripts);
      declared = from_scripts ? declare_subscriptions(loop, opening, SubscriptionSource::kScript, std::move(*from_scripts))
                              : Result<void>(std::unexpected(from_scripts.error()));
    }
    if (!declared) subscriptions_error = declared.error();
    return declared;
  };
  auto open_started = std::chrono::steady_clock::now();
  auto opened = Engine::open(loop, clock, registry, std::move(engine_options));
  if (!opened) {
    if (scripts_error) {
      spdlog::critical("cannot load the workflow scripts: {}", scripts_error->message);
      return 2;
    }
    if (subscriptions_error) {
      spdlog::critical("{}", subscriptions_error->message);
      return 2;
    }
    spdlog::critical("cannot open the engine on '{}': {}", config.engine.data_dir,
                     opened.error().to_string());
    // The catalog opened on the engine that just went (recovery failed
    // after the scripts loaded): its destructor would unsubscribe from
    // that engine's events. sundiald exits now; leave it.
    (void)scripts.release();
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(*opened);
  engine->tasks().use_limiters(&limiters);
  // [schedules.<id>] and the modules' own (a poller): made, changed or
  // deleted to match the file.
  std::vector<ScheduleSpec> file_schedules = config.schedules;
  file_schedules.insert(file_schedules.end(), modules.schedules.begin(), modules.schedules.end());
  if (auto declared = declare_config_schedules(*engine, file_schedules); !declared) {
    spdlog::critical("{}", declared.error().message);
    return 2;
  }
  spdlog::info(
      "engine ready in {} ms (storage open, workflow scripts and recovery)",
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - open_started)
          .count());
  if (auto watched = scripts->watch(loop); !watched) {
    spdlog::warn("workflow scripts are not reloaded on change ({}); send SIGHUP to reload",
                 watched.error().message);
  }
  UvHandle<uv_signal_t> sighup;
  if (uv_signal_init(loop.raw(), sighup.get()) == 0) {
    sighup.mark_initialized();
    sighup.get()->data = scripts.get();
    uv_signal_start(
        sighup.get(),
        [](uv_signal_t* h, int) {
          spdlog::info("SIGHUP: reloading the workflow scripts");
          if (h->data != nullptr) static_cast<lua::ScriptCatalog*>(h->data)->reload();
        },
        SIGHUP);
    uv_unref(sighup.base());
  }
  if (worker_token && !admin_token) {
    spdlog::warn(
        "${} is set but ${} is not: with no admin token the API is open to everyone on this host, and "
        "the worker token restricts nothing",
        config.server.worker_token_env, config.server.admin_token_env);
  }
  if (viewer_token && !admin_token) {
    spdlog::warn(
        "${} is set but ${} is not: with no admin token the API is open to everyone on this host, and "
        "the viewer token restricts nothing",
        config.server.viewer_token_env, config.server.admin_token_env);
  }
  auto server = std::make_unique<SundialServer>(loop, clock, *engine, config, admin_token, worker_token,
                                                viewer_token, scripts.get(), &limit_catalog);
  for (auto& route : modules.routes) {
    if (auto warning = webhooks::missing_secret_warning(route)) spdlog::warn("{}", *warning);
    server->add_webhook(std::move(route));
  }
  // [queues.<name>] settings, applied at every start like PUT /api/v1/queues/{queue}.
  for (const auto& [queue, max_in_flight] : config.queue_max_in_flight) {
    engine->tasks().configure(
        queue, QueueSettings{std::nullopt, max_in_flight, std::nullopt}, [queue](Result<QueueView> applied) {
          if (!applied)
            spdlog::error("[queues.{}] could not be applied: {}", queue, applied.error().to_string());
        });
  }
  // The webhook triggers the scripts declare follow each script's changes.
  auto serve_triggers = [&server, triggers = trigger_options(config)](
                            const std::string& type,
                            const std::shared_ptr<const lua::LuaScript>& script) -> Result<void> {
    std::vector<webhooks::WebhookRoute> routes;
    if (script) {
      SUNDIAL_ASSIGN_OR_RETURN(routes, lua::lua_trigger_routes(script, secret_from_env, triggers));
    }
    for (const auto& route : routes) {
      if (auto warning = webhooks::missing_secret_warning(route)) spdlog::warn("{}", *warning);
    }
    return server->replace_webhooks("lua:" + type, std::move(routes));
  };
  // So do the schedules they declare (owner: the script's type).
  std::vector<DeclaredSchedule> script_schedules;
  std::optional<Error> startup_error;
  for (const auto& script : scripts->current_scripts()) {
    if (auto served = serve_triggers(script->type(), script); !served) {
      startup_error = Error{served.error().code, script->chunkname() + ": " + served.error().message};
      break;
    }
    auto declared = lua::script_schedules(*script);
    if (!declared) {
      startup_error = declared.error();
      break;
    }
    for (auto& spec : *declared) script_schedules.push_back({std::move(spec), script->type()});
  }
  if (!startup_error) {
    if (auto declared = engine->schedules().declare(std::move(script_schedules), ScheduleSource::kScript);
        !declared) {
      startup_error =
          Error{declared.error().code, "the workflow scripts' schedules: " + declared.error().message};
    }
  }
  if (startup_error) {
    spdlog::critical("{}", startup_error->message);
    server.reset();
    scripts.reset();
    engine.reset();
    return 2;
  }
  scripts->set_listener([serve_triggers, &engine](const std::string& type,
                                                  std::shared_ptr<const lua::LuaScript> script) {
    if (auto served = serve_triggers(type, script); !served) {
      spdlog::error("workflow '{}': its webhook triggers are not served: {}", type, served.error().message);
    }
    std::vector<ScheduleSpec> specs;
    if (script) {
      auto declared = lua::script_schedules(*script);
      if (!declared) {
        spdlog::error("workflow '{}': its schedules are not changed: {}", type, declared.error().message);
        return;
      }
      specs = std::move(*declared);
    }
    engine->schedules().declare_owned(
        std::move(specs), ScheduleSource::kScript, type, [type](Result<void> r) {
          if (!r) spdlog::error("workflow '{}': its schedules are not changed: {}", type, r.error().message);
        });
    std::vector<SubscriptionSpec> subscriptions;
    if (script) {
      auto declared = lua::script_subscriptions(*script);
      if (!declared) {
        spdlog::error("workflow '{}': its subscriptions are not changed: {}", type, declared.error().message);
        return;
      }
      subscriptions = std::move(*declared);
    }
    // As at start-up: a start of a type this server lacks would only fail.
    for (const SubscriptionSpec& s : subscriptions) {
      std::string started = s.action.value("type", "");
      if (s.kind == SubscriptionActionKind::kStart && engine->registry().find(started) == nullptr) {
        spdlog::error("workflow '{}': its subscriptions are not changed: subscription '{}': action.start.type '{}' "
                      "is not a workflow type of this server",
                      type, s.id, started);
        return;
      }
    }
    engine->subscriptions().declare_owned(
        SubscriptionSource::kScript, type, std::move(subscriptions), [type](Result<void> r) {
          if (!r) spdlog::error("workflow '{}': its subscriptions are not changed: {}", type, r.error().message);
        });
  });
  // Signal handlers go in before the port is announced: a SIGTERM right
  // after the "listening" line must find them.
  UvTimer shutdown_deadline(loop, [&server] {
    spdlog::warn("requests still in flight after the shutdown timeout: closing their connections");
    server->close_now();
  });
  shutdown_deadline.set_keeps_loop_alive(false);
  std::unique_ptr<ShutdownSignals> signals;
  signals = std::make_unique<ShutdownSignals>(
      [&] {
        shutdown_deadline.start(static_cast<uint64_t>(config.server.shutdown_timeout));
        server->stop([&] {
          shutdown_deadline.stop();
          signals->close();
          loop.stop();
        });
      },
      [&] { server->close_now(); });
  if (auto handled = signals->start(loop); !handled) {
    spdlog::critical("{}", handled.error().message);
    signals->close();
    server.reset();
    scripts.reset();
    engine.reset();
    return 1;
  }

  if (auto started = server->start(); !started) {
    spdlog::critical("{}", started.error().message);
    signals->close();
    server.reset();
    scripts.reset();
    engine.reset();
    return 1;
  }
  // At every log level: scripts read the port (picked for port 0) from it.
  const std::string& host = config.server.listen_host;
  size_t types = registry.list().size();
  ops::log_always(fmt::format("sundiald listening on http://{}:{} (data in '{}', {} workflow type{})",
                              host.find(':') == std::string::npos ? host : "[" + host + "]", server->port(),
                              config.engine.data_dir, types, types == 1 ? "" : "s"));
  if (!admin_token) {
    spdlog::warn("${} is not set: /api is open to every local user; set it to require a bearer token",
                 config.server.admin_token_env);
  }
  // The alert hook ([alerts]): from here on, failures and health changes
  // are posted (docs/operations.md, "Alerts").
  std::unique_ptr<alerts::AlertMonitor> alert_monitor;
  if (!config.alerts.url.empty()) {
    alert_monitor = std::make_unique<alerts::AlertMonitor>(
        loop, clock, engine->events(), [&engine] { return alerts::sample_engine_health(*engine); }, http_client,
        server->metrics_registry(),
        alert_options(config.alerts, secret_from_env(config.alerts.secret_env).value_or("")));
    alert_monitor->start();
    spdlog::info("alerts: on, grouped per {} s, signed with ${}", config.alerts.interval / kSecondMs,
                 config.alerts.secret_env);
  }
  spdlog::info("sundiald ready");

  loop.run();
  // Outside uv_run: the engine drains its own commits by running the loop.
  alert_monitor.reset();
  server.reset();
  sighup.close();
  scripts.reset();
  engine.reset();
  signals.reset();
  spdlog::info("sundiald stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace sundial
