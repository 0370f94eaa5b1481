#include "workflows/builtin.h"

#include "workflows/bench/sleep_step.h"
#include "workflows/bench/steps.h"
#include "workflows/nurture/nurture.h"
#include "workflows/reminders/reminders.h"

namespace sundial {

Result<void> register_builtin_workflows(Registry& registry, const BuiltinDeps& deps) {
  SUNDIAL_TRY(registry.add(kSleepStepWorkflow,
                           "sleeps input.sleep_ms (default 2000) then runs one no-op step",
                           sleep_step_workflow, check_sleep_step_input));
  SUNDIAL_TRY(registry.add(kStepsWorkflow, "input.steps (default 10) no-op steps in a row", steps_workflow,
                           check_steps_input));
  EmailDeps nurture{deps.resend, deps.nurture_templates, deps.email_from};
  SUNDIAL_TRY(registry.add(kNurtureWorkflow,
                           "a signup's email sequence (7 emails over 11 days by default); stops on 'booked' "
                           "or 'unsubscribed'",
                           [nurture](Context& ctx) { return nurture_workflow(ctx, nurture); },
                           [offsets = deps.nurture_offsets](const nlohmann::json& input) {
                             return check_nurture_input(input, offsets);
                           }));
  EmailDeps reminders{deps.resend, deps.reminder_templates, deps.email_from};
  SUNDIAL_TRY(registry.add(kRemindersWorkflow,
                           "reminder emails before a Cal.com booking (24h and 1h before by default)",
                           [reminders](Context& ctx) { return reminders_workflow(ctx, reminders); },
                           [before = deps.reminder_lead_times](const nlohmann::json& input) {
                             return check_reminders_input(input, before);
                           }));
  return ok();
}

}  // namespace sundial
