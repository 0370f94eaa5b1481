#include "workflows/bench/steps.h"

#include <string>

#include "workflows/input_check.h"

namespace sundial {

Result<nlohmann::json> check_steps_input(const nlohmann::json& input) {
  SUNDIAL_TRY(check_known_fields(input, {"steps"}));
  SUNDIAL_TRY(optional_int(input, "steps", 0, 100000));
  return input;
}

namespace {

Result<nlohmann::json> noop(const StepInfo&) { return nlohmann::json(nullptr); }

}  // namespace

Workflow<void> steps_workflow(Context& ctx) {
  int64_t steps = ctx.input().is_object() ? ctx.input().value("steps", int64_t{10}) : 10;
  SyncStepFn step = noop;
  for (int64_t i = 0; i < steps; ++i) {
    std::string name = "noop-" + std::to_string(i);
    co_await ctx.step(name, step);
  }
}

}  // namespace sundial
