#include "workflows/reminders/reminders_module.h"

#include "workflows/module/webhook_route.h"
#include "workflows/reminders/booking_plan.h"
#include "workflows/reminders/calcom_route.h"

namespace sundial {

std::vector<ConfigTable> RemindersModule::config(Settings& s) {
  return {{"reminders",
           {{"before", DurationListField{&s.reminders.before}},
            {"templates_dir", StringField{&s.reminders.templates_dir}},
            {"calcom_path", StringField{&s.reminders.calcom_path}}}}};
}

Result<void> RemindersModule::start(const Settings& s, ModuleHost& host) {
  SUNDIAL_TRY(webhooks::check_route_path(s.reminders.calcom_path, "[reminders] calcom_path"));
  SUNDIAL_ASSIGN_OR_RETURN(auto email,
                           load_email_deps(host.resend, host.email_from, s.reminders.templates_dir, kName));
  host.script_types[kRemindersWorkflow] = {{{"before", s.reminders.before}}, std::move(email)};
  const std::string& secret_env = host.webhook_secrets.calcom_secret_env;
  auto route =
      webhooks::calcom_route(s.reminders.calcom_path, host.read_secret(secret_env), s.reminders.before);
  route.verification.secret_env = secret_env;
  host.routes.push_back(std::move(route));
  return ok();
}

}  // namespace sundial
