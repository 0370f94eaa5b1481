// The reminders family (workflow_module.h): the "reminders" workflow type,
// the Cal.com route (POST /webhooks/calcom, calcom_route.h, verified with
// the [calcom] secret_env secret) and the [reminders] table (before,
// templates_dir).
//
// Threading: start-up only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/workflow_module.h"

namespace sundial {

struct RemindersSettings {
  // Default: 24h, 1h before the meeting.
  std::vector<DurationMs> before = {24 * kHourMs, kHourMs};
  // Default: the templates/reminders folder of the source tree.
  std::string templates_dir = SUNDIAL_TEMPLATES_DIR "/reminders";
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
