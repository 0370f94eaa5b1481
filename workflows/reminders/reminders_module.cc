#include "workflows/reminders/reminders_module.h"

#include "workflows/reminders/calcom_route.h"
#include "workflows/reminders/reminders.h"

namespace sundial {

std::vector<ConfigTable> RemindersModule::config(Settings& s) {
  return {{"reminders",
           {{"before", DurationListField{&s.reminders.before}},
            {"templates_dir", StringField{&s.reminders.templates_dir}}}}};
}

Result<void> RemindersModule::start(const Settings& s, ModuleHost& host) {
  SUNDIAL_ASSIGN_OR_RETURN(auto email,
                           load_email_deps(host.resend, host.email_from, s.reminders.templates_dir, kName));
  SUNDIAL_TRY(host.registry.add(
      kRemindersWorkflow, "reminder emails before a Cal.com booking (24h and 1h before by default)",
      [email](Context& ctx) { return reminders_workflow(ctx, *email); },
      [before = s.reminders.before](const nlohmann::json& input) {
        return check_reminders_input(input, before);
      }));
  host.routes.push_back(
      webhooks::calcom_route(host.read_secret(host.webhook_secrets.calcom_secret_env), s.reminders.before));
  return ok();
}

}  // namespace sundial
