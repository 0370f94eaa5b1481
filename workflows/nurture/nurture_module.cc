#include "workflows/nurture/nurture_module.h"

#include <spdlog/spdlog.h>

#include "workflows/module/webhook_route.h"
#include "workflows/nurture/nurture_setup_check.h"
#include "workflows/nurture/signup.h"
#include "workflows/nurture/signup_route.h"

namespace sundial {

std::vector<ConfigTable> NurtureModule::config(Settings& s) {
  return {{"nurture",
           {{"offsets", DurationListField{&s.nurture.offsets}},
            {"templates_dir", StringField{&s.nurture.templates_dir}},
            {"signup_path", StringField{&s.nurture.signup_path}},
            {"thank_you_url", StringField{&s.nurture.thank_you_url}}}}};
}

Result<void> NurtureModule::start(const Settings& s, ModuleHost& host) {
  SUNDIAL_TRY(webhooks::check_route_path(s.nurture.signup_path, "[nurture] signup_path"));
  if (!s.nurture.thank_you_url.empty()) {
    SUNDIAL_TRY(webhooks::check_redirect_url(s.nurture.thank_you_url, "[nurture] thank_you_url"));
  }
  SUNDIAL_ASSIGN_OR_RETURN(auto email,
                           load_email_deps(host.resend, host.email_from, s.nurture.templates_dir, kName));
  SUNDIAL_ASSIGN_OR_RETURN(auto report,
                           check_nurture_setup(s.nurture.offsets, email->templates, s.nurture.templates_dir));
  for (const auto& warning : report.warnings) spdlog::warn("nurture: {}", warning);
  spdlog::info("nurture: {}", report.summary);
  host.script_types[kNurtureWorkflow] = {{{"offsets", s.nurture.offsets}}, std::move(email)};
  host.routes.push_back(
      webhooks::signup_route(s.nurture.signup_path, s.nurture.offsets, s.nurture.thank_you_url));
  return ok();
}

}  // namespace sundial
