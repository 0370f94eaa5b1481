// The bench family (workflow_module.h): "bench.sleep_step" and
// "bench.steps", the workflows sundial-bench and the crash tests start
// through the API. No settings, no routes.
//
// Threading: start-up only.
#pragma once

#include <string_view>
#include <vector>

#include "workflows/module/workflow_module.h"

namespace sundial {

struct BenchModule {
  static constexpr std::string_view kName = "bench";
  struct Settings {};
  static std::vector<ConfigTable> config(Settings&) { return {}; }
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
