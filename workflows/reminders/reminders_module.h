// The reminders family (workflow_module.h): the Cal.com route (POST
// /webhooks/calcom by default, calcom_route.h, verified with the [calcom]
// secret_env secret) that starts the Lua workflow type "reminders" shipped
// in workflows/reminders/reminders.lua, and the [reminders] table (before,
// templates_dir, calcom_path), which becomes that type's ctx.config and
// email templates.
//
// The route stays C++: Cal.com's signature scheme and its booking payloads
// (create, reschedule in place or to a new uid, cancel) are parsed and
// fuzzed there (connectors/calcom, tests/fuzz/fuzz_webhook_body.cc); the
// workflow is the script.
//
// Threading: start-up only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/workflow_module.h"
#include "workflows/shipped_scripts.h"

namespace sundial {

struct RemindersSettings {
  // Default: 24h, 1h before the meeting.
  std::vector<DurationMs> before = {24 * kHourMs, kHourMs};
  // Default: templates/reminders of the data shipped beside the binary
  // (<exe dir>/../share/sundial; workflows/shipped_scripts.h), whatever the
  // working directory.
  std::string templates_dir = shipped_templates_dir("reminders");
  // Where Cal.com posts its booking webhooks.
  std::string calcom_path = "/webhooks/calcom";
};

struct RemindersModule {
  static constexpr std::string_view kName = "reminders";
  struct Settings {
    RemindersSettings reminders;
  };
  static std::vector<ConfigTable> config(Settings& settings);
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
