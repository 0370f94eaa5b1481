// The bench family (workflow_module.h): the workflow types sundial-bench,
// the crash and soak tests and the end-to-end tests start through the API
// — "bench.sleep_step" and "bench.steps" in C++, and the Lua scripts of
// this folder (bench.lua_sleep_step, bench.lua_steps,
// bench.lua_critical_path). A production server has none of them: they
// are registered only when asked for, with `sundiald --bench-workflows` or
// `[bench] workflows = true` (sundial-bench starts its sundiald so).
// No routes.
//
// Threading: start-up only.
#pragma once

#include <string_view>
#include <vector>

#include "workflows/module/workflow_module.h"

namespace sundial {

struct BenchSettings {
  // Default: false. Whether the bench.* workflow types are registered.
  bool workflows = false;
};

struct BenchModule {
  static constexpr std::string_view kName = "bench";
  struct Settings {
    BenchSettings bench;
  };
  static std::vector<ConfigTable> config(Settings& settings);
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
