#include "workflows/nurture/nurture.h"

#include <algorithm>

#include "engine/base/json_fields.h"
#include "workflows/input_check.h"

namespace sundial {

namespace {

// Sends email `n` (1-based): the segment's variant of the template if
// there is one, else the plain one.
AsyncStepFn send_email_step(const EmailDeps& deps, const nlohmann::json& input, size_t n) {
  return [&deps, input, n](const StepInfo& info, StepDone done) {
    std::string base = "email-" + std::to_string(n);
    std::string segment = string_field(input, "segment", "optimize");
    std::string upper = segment;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    nlohmann::json vars = {{"first_name", string_field(input, "first_name", "there")},
                           {"email", string_field(input, "email")},
                           {"segment", upper},
                           {"red", int_field(input, "red")},
                           {"orange", int_field(input, "orange")}};
    send_templated_email(deps, {base + "." + segment, base}, vars, string_field(input, "email"), info,
                         std::move(done));
  };
}

}  // namespace

nlohmann::json nurture_input(const Signup& signup, const std::vector<DurationMs>& offsets) {
  return {{"email", signup.email},
          {"first_name", signup.first_name},
          {"red", signup.red},
          {"orange", signup.orange},
          {"segment", segment_for(signup.red, signup.orange)},
          {"offsets_ms", offsets}};
}

Result<nlohmann::json> check_nurture_input(const nlohmann::json& input,
                                           const std::vector<DurationMs>& default_offsets) {
  SUNDIAL_TRY(check_known_fields(input, {"email", "first_name", "red", "orange", "segment", "offsets_ms"}));
  SUNDIAL_ASSIGN_OR_RETURN(std::string email, required_email(input, "email"));
  SUNDIAL_TRY(optional_string(input, "first_name"));
  SUNDIAL_ASSIGN_OR_RETURN(auto red, optional_int(input, "red", 0, 9999));
  SUNDIAL_ASSIGN_OR_RETURN(auto orange, optional_int(input, "orange", 0, 9999));
  SUNDIAL_ASSIGN_OR_RETURN(auto segment, optional_string(input, "segment"));
  if (segment && *segment != "critical" && *segment != "urgent" && *segment != "optimize") {
    return make_error(ErrorCode::kInvalidArgument,
                      "input field 'segment' must be \"critical\", \"urgent\" or \"optimize\"");
  }
  SUNDIAL_ASSIGN_OR_RETURN(auto offsets, optional_delays(input, "offsets_ms"));
  nlohmann::json out = input.is_object() ? input : nlohmann::json::object();
  out["email"] = email;
  if (!segment) {
    out["segment"] = segment_for(static_cast<int>(red.value_or(0)), static_cast<int>(orange.value_or(0)));
  }
  if (!offsets) out["offsets_ms"] = default_offsets;
  return out;
}

Workflow<void> nurture_workflow(Context& ctx, const EmailDeps& deps) {
  const nlohmann::json& input = ctx.input();
  std::vector<DurationMs> offsets;
  if (input.contains("offsets_ms") && input["offsets_ms"].is_array()) {
    offsets = input["offsets_ms"].get<std::vector<DurationMs>>();
  }
  // A booking or an unsubscribe ends the sequence at once, even mid-wait,
  // so the instance completes instead of sleeping towards a send it skips.
  std::vector<std::string> stop_signals{"booked", "unsubscribed"};
  for (size_t i = 0; i < offsets.size(); ++i) {
    SignalResult stopped = co_await ctx.wait_any_until(stop_signals, ctx.started_at() + offsets[i]);
    if (!stopped.timed_out) co_return;
    // Named locals, not temporaries, inside co_await (GCC 12; see context.h).
    std::string step_name = "send-" + std::to_string(i + 1);
    AsyncStepFn send = send_email_step(deps, input, i + 1);
    co_await ctx.step_async(step_name, send);
  }
}

}  // namespace sundial
