#include "workflows/reminders/reminders.h"

#include <algorithm>
#include <ctime>

#include "engine/base/duration.h"
#include "engine/base/json_fields.h"
#include "workflows/input_check.h"

namespace sundial {

namespace {

std::string utc_text(TimeMs t) {
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

AsyncStepFn send_reminder_step(const EmailDeps& deps, const nlohmann::json& input, DurationMs lead) {
  return [&deps, input, lead](const StepInfo& info, StepDone done) {
    std::string name = string_field(input, "attendee_name");
    nlohmann::json vars = {{"title", string_field(input, "title", "your meeting")},
                           {"attendee_name", name.empty() ? "there" : name},
                           {"start_time", utc_text(int_field(input, "start_ms"))},
                           {"lead_time", format_duration(lead)}};
    send_templated_email(deps, {"reminder"}, vars, string_field(input, "attendee_email"), info,
                         std::move(done));
  };
}

// Longest lead first (the earliest reminder first), each once: a lead time
// listed twice would otherwise name the same step, and so the same
// idempotency key, twice.
std::vector<DurationMs> distinct_lead_times(std::vector<DurationMs> before) {
  std::sort(before.begin(), before.end(), std::greater<>());
  before.erase(std::unique(before.begin(), before.end()), before.end());
  return before;
}

}  // namespace

std::string reminders_instance_id(const std::string& booking_uid) { return "booking:" + booking_uid; }

nlohmann::json reminders_input(const BookingEvent& b, const std::vector<DurationMs>& before) {
  return {{"uid", b.uid},
          {"title", b.title},
          {"start_ms", b.start},
          {"attendee_email", b.attendee_email},
          {"attendee_name", b.attendee_name},
          {"before_ms", distinct_lead_times(before)}};
}

Result<nlohmann::json> check_reminders_input(const nlohmann::json& input,
                                             const std::vector<DurationMs>& default_before) {
  SUNDIAL_TRY(check_known_fields(
      input, {"uid", "title", "start_ms", "attendee_email", "attendee_name", "before_ms"}));
  for (const char* key : {"uid", "title", "attendee_name"}) SUNDIAL_TRY(optional_string(input, key));
  // Up to the year 9999: a sleep until `start - lead` stays far from overflow.
  SUNDIAL_ASSIGN_OR_RETURN(auto start, optional_int(input, "start_ms", 0, 253402300799999));
  if (!start) return make_error(ErrorCode::kInvalidArgument, "input field 'start_ms' is required");
  SUNDIAL_TRY(required_email(input, "attendee_email"));
  SUNDIAL_ASSIGN_OR_RETURN(auto before, optional_delays(input, "before_ms"));
  nlohmann::json out = input;
  if (!before) out["before_ms"] = distinct_lead_times(default_before);
  return out;
}

Workflow<void> reminders_workflow(Context& ctx, const EmailDeps& deps) {
  const nlohmann::json& input = ctx.input();
  TimeMs start = int_field(input, "start_ms");
  std::vector<DurationMs> before;
  if (input.contains("before_ms") && input["before_ms"].is_array())
    before = input["before_ms"].get<std::vector<DurationMs>>();
  before = distinct_lead_times(std::move(before));
  for (DurationMs lead : before) {
    TimeMs due = start - lead;
    if (due < ctx.started_at()) continue;  // booked too late for this one
    co_await ctx.sleep_until(due);
    std::string step_name = "reminder-" + format_duration(lead);
    AsyncStepFn send = send_reminder_step(deps, input, lead);
    co_await ctx.step_async(step_name, send);
  }
}

}  // namespace sundial
