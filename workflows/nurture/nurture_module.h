// The nurture family (workflow_module.h): the signup route (POST
// /webhooks/signup by default, signup_route.h) that starts the Lua
// workflow type "nurture" shipped in workflows/nurture/nurture.lua, and
// the [nurture] table (offsets, templates_dir, signup_path,
// thank_you_url), which becomes that type's ctx.config and email
// templates. start() checks the offsets against the templates
// (nurture_setup_check.h): an error stops sundiald, warnings and the
// segment variants found are logged.
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
#include "workflows/shipped_scripts.h"

namespace sundial {

struct NurtureSettings {
  // Default: 0s, 1d, 3d, 5d, 7d, 9d, 11d.
  std::vector<DurationMs> offsets = {0, kDayMs, 3 * kDayMs, 5 * kDayMs, 7 * kDayMs, 9 * kDayMs, 11 * kDayMs};
  // Default: templates/nurture of the data shipped beside the binary
  // (<exe dir>/../share/sundial; workflows/shipped_scripts.h), whatever the
  // working directory.
  std::string templates_dir = shipped_templates_dir("nurture");
  // Where the signup form posts. A campaign sets its own, e.g.
  // "/webhook/christmas-signup".
  std::string signup_path = "/webhooks/signup";
  // Default: none (every client gets JSON). Where a browser's form post to
  // the signup route is sent after it succeeded (303 See Other); an
  // absolute http(s) URL, checked at start-up.
  std::string thank_you_url;
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
