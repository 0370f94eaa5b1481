// The module interface: a workflow family (nurture, reminders, bench, ...)
// declares in one place — a type in workflows/<family>/<family>_module.h —
// everything sundiald needs from it:
//
//   struct NurtureModule {
//     static constexpr std::string_view kName = "nurture";
//     // Its part of DaemonConfig (config.nurture), with the defaults; may be empty.
//     struct Settings { NurtureSettings nurture; };
//     // Its TOML tables, bound to those settings (config_table.h).
//     static std::vector<ConfigTable> config(Settings& settings);
//     // Registers its workflow types (with their input checks), adds its
//     // webhook routes and the settings of the shipped Lua types they
//     // start; an error stops sundiald at start-up.
//     static Result<void> start(const Settings& settings, ModuleHost& host);
//   };
//
// The families are listed once, in workflows/modules.h (ModuleList). The
// daemon and the config parser iterate that list; they name no family.
//
// Threading: start-up only, before the engine opens. Ownership: ModuleHost
// borrows the Registry and the ResendClient, which outlive the daemon's
// workflows; a module keeps what its workflows use (templates) alive in
// the registry entries it adds, or in script_types for its Lua types.
#pragma once

#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/resend/resend_client.h"
#include "engine/base/error.h"
#include "engine/schedules/schedule_spec.h"
#include "engine/topics/subscription_spec.h"
#include "engine/runtime/registry.h"
#include "workflows/email/email_step.h"
#include "workflows/module/config_table.h"
#include "workflows/module/webhook_route.h"
#include "workflows/module/webhook_secrets.h"

namespace sundial {

// What a module gives a Lua workflow type shipped with it (workflows/
// <family>/<type>.lua) that its routes start: the type's ctx.config (from
// the module's own table, [nurture] offsets → {"offsets": [ms, ...]}) and
// ctx:email's templates and sender (its templates_dir), so the script
// runs with the family's settings without a [workflows] section.
struct ScriptTypeSettings {
  nlohmann::json config = nlohmann::json::object();
  std::shared_ptr<const EmailDeps> email;
};

// What sundiald lends a module while it starts.
struct ModuleHost {
  Registry& registry;
  ResendClient& resend;
  std::string email_from;  // [resend] from
  const WebhookSecretSettings& webhook_secrets;
  // The value of an environment variable holding a secret; nullopt when
  // unset or empty (server/config's secret_from_env).
  std::function<std::optional<std::string>(const std::string& env_name)> read_secret;
  // The routes the modules add; sundiald serves each at its path.
  std::vector<webhooks::WebhookRoute> routes;
  // The settings of the shipped Lua types the modules serve, by type name;
  // sundiald hands them to the script catalog (server/daemon.cc).
  std::map<std::string, ScriptTypeSettings, std::less<>> script_types;
  // Schedules the modules declare from their settings (a poller); sundiald
  // declares them with the file's [schedules] (source "config").
  std::vector<ScheduleSpec> schedules;
  // Subscriptions to the event bus the modules declare from their
  // settings; sundiald declares them with the file's [subscriptions]
  // (source "config"), so one removed from the settings goes too.
  std::vector<SubscriptionSpec> subscriptions;
  // Family folders (workflows/<family>/) whose shipped Lua scripts must not
  // load: a family that is off names its own (bench, unless asked for).
  std::vector<std::string> script_folders_off;
};

template <typename M>
concept WorkflowModule = requires(typename M::Settings& settings, const typename M::Settings& view,
                                  ModuleHost& host) {
  { M::kName } -> std::convertible_to<std::string_view>;
  { M::config(settings) } -> std::same_as<std::vector<ConfigTable>>;
  { M::start(view, host) } -> std::same_as<Result<void>>;
};

// The families, in order. Settings holds every family's settings as named
// members (DaemonConfig derives from it: config.nurture, config.reminders).
template <WorkflowModule... Modules>
struct ModuleList {
  struct Settings : Modules::Settings... {};

  static std::vector<std::string_view> names() { return {Modules::kName...}; }

  // Every family's config tables, bound to `settings`.
  static std::vector<ConfigTable> config_tables(Settings& settings) {
    std::vector<ConfigTable> out;
    auto append = [&out](std::vector<ConfigTable> tables) {
      for (auto& t : tables) out.push_back(std::move(t));
    };
    (append(Modules::config(static_cast<typename Modules::Settings&>(settings))), ...);
    return out;
  }

  // Starts each family in order; the first error stops the rest.
  static Result<void> start(const Settings& settings, ModuleHost& host) {
    Result<void> result = ok();
    ((result = result ? Modules::start(settings, host) : result), ...);
    return result;
  }

  // Calls f.template operator()<M>() for each family M, in order (tests).
  template <typename F>
  static void for_each(F&& f) {
    (f.template operator()<Modules>(), ...);
  }
};

}  // namespace sundial
