// The nurture family (workflow_module.h): the signup route (POST
// /webhooks/signup by default, signup_route.h) that starts the Lua
// workflow type "nurture" shipped in workflows/nurture/nurture.lua, and
// the [nurture] table (offsets, templates_dir, signup_path), which becomes
// that type's ctx.config and email templates.
//
// The route stays C++: its form parsing, email normalization and
// segmentation are hardened and fuzzed (tests/fuzz/fuzz_webhook_body.cc),
// and it is a public, rate-limited route; the workflow is the script.
//
// Threading: start-up only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/workflow_module.h"

namespace sundial {

struct NurtureSettings {
  // Default: 0s, 1d, 3d, 5d, 7d, 9d, 11d.
  std::vector<DurationMs> offsets = {0, kDayMs, 3 * kDayMs, 5 * kDayMs, 7 * kDayMs, 9 * kDayMs, 11 * kDayMs};
  // Default: the templates/nurture folder of the source tree sundiald was
  // built from (an absolute path, so the working directory does not matter).
  std::string templates_dir = SUNDIAL_TEMPLATES_DIR "/nurture";
  // Where the signup form posts. A campaign sets its own, e.g.
  // "/webhook/christmas-signup".
  std::string signup_path = "/webhooks/signup";
};

struct NurtureModule {
  static constexpr std::string_view kName = "nurture";
  struct Settings {
    NurtureSettings nurture;
  };
  static std::vector<ConfigTable> config(Settings& settings);
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
