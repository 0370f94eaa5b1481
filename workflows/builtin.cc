#include "workflows/builtin.h"

#include "workflows/bench/sleep_step.h"

namespace sundial {

Result<void> register_builtin_workflows(Registry& registry) {
  SUNDIAL_TRY(registry.add(kSleepStepWorkflow,
                           "sleeps input.sleep_ms (default 2000) then runs one no-op step",
                           sleep_step_workflow));
  return ok();
}

}  // namespace sundial
