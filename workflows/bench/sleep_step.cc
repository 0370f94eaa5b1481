#include "workflows/bench/sleep_step.h"

#include "workflows/input_check.h"

namespace sundial {

Result<nlohmann::json> check_sleep_step_input(const nlohmann::json& input) {
  SUNDIAL_TRY(check_known_fields(input, {"sleep_ms"}));
  SUNDIAL_TRY(optional_int(input, "sleep_ms", 0, kMaxInputDelayMs));
  return input;
}

Workflow<void> sleep_step_workflow(Context& ctx) {
  DurationMs sleep_ms = 2000;
  if (ctx.input().is_object() && ctx.input().contains("sleep_ms") &&
      ctx.input()["sleep_ms"].is_number_integer()) {
    sleep_ms = ctx.input()["sleep_ms"].get<DurationMs>();
  }
  co_await ctx.sleep_for(sleep_ms);
  co_await ctx.step("noop",
                    [](const StepInfo&) -> Result<nlohmann::json> { return nlohmann::json::object(); });
}

}  // namespace sundial
