// "bench.steps": input.steps (default 10) journaled no-op steps in a row;
// sundial-bench's `steps` scenario measures step completions per second.
#pragma once

#include "engine/runtime/context.h"
#include "engine/runtime/workflow.h"

namespace sundial {

inline constexpr const char* kStepsWorkflow = "bench.steps";

Workflow<void> steps_workflow(Context& ctx);
// Its InputCheck: no field but "steps", from 0 to 100,000.
Result<nlohmann::json> check_steps_input(const nlohmann::json& input);

}  // namespace sundial
