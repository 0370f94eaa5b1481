#include "workflows/nurture/nurture_module.h"

#include "workflows/module/webhook_route.h"
#include "workflows/nurture/signup.h"
#include "workflows/nurture/signup_route.h"

namespace sundial {

std::vector<ConfigTable> NurtureModule::config(Settings& s) {
  return {{"nurture",
           {{"offsets", DurationListField{&s.nurture.offsets}},
            {"templates_dir", StringField{&s.nurture.templates_dir}},
            {"signup_path", StringField{&s.nurture.signup_path}}}}};
}

Result<void> NurtureModule::start(const Settings& s, ModuleHost& host) {
  SUNDIAL_TRY(webhooks::check_route_path(s.nurture.signup_path, "[nurture] signup_path"));
  SUNDIAL_ASSIGN_OR_RETURN(auto email,
                           load_email_deps(host.resend, host.email_from, s.nurture.templates_dir, kName));
  host.script_types[kNurtureWorkflow] = {{{"offsets", s.nurture.offsets}}, std::move(email)};
  host.routes.push_back(webhooks::signup_route(s.nurture.signup_path, s.nurture.offsets));
  return ok();
}

}  // namespace sundial
