#include "workflows/bench/bench_module.h"

#include "workflows/bench/sleep_step.h"
#include "workflows/bench/steps.h"

namespace sundial {

std::vector<ConfigTable> BenchModule::config(Settings& s) {
  return {{"bench", {{"workflows", BoolField{&s.bench.workflows}}}}};
}

Result<void> BenchModule::start(const Settings& s, ModuleHost& host) {
  if (!s.bench.workflows) {
    // Its Lua scripts (workflows/bench/*.lua) stay out too.
    host.script_folders_off.emplace_back(kName);
    return ok();
  }
  SUNDIAL_TRY(host.registry.add(kSleepStepWorkflow,
                                "sleeps input.sleep_ms (default 2000) then runs one no-op step",
                                sleep_step_workflow, check_sleep_step_input));
  SUNDIAL_TRY(host.registry.add(kStepsWorkflow, "input.steps (default 10) no-op steps in a row",
                                steps_workflow, check_steps_input));
  return ok();
}

}  // namespace sundial
