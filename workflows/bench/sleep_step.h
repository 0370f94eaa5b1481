// bench.sleep_step: the benchmark's workflow. A durable sleep of
// input.sleep_ms milliseconds (default 2000), then one no-op step that
// returns the time it ran, then done. sundial-bench reads the step's result
// from the journal to measure timer lateness.
#pragma once

#include "engine/runtime/context.h"
#include "engine/runtime/workflow.h"

namespace sundial {

inline constexpr const char* kSleepStepWorkflow = "bench.sleep_step";

Workflow<void> sleep_step_workflow(Context& ctx);
// Its InputCheck: no field but "sleep_ms", from 0 to 10 years.
Result<nlohmann::json> check_sleep_step_input(const nlohmann::json& input);

}  // namespace sundial
