#include "workflows/nurture/nurture_module.h"

#include "workflows/nurture/nurture.h"
#include "workflows/nurture/signup_route.h"

namespace sundial {

std::vector<ConfigTable> NurtureModule::config(Settings& s) {
  return {{"nurture",
           {{"offsets", DurationListField{&s.nurture.offsets}},
            {"templates_dir", StringField{&s.nurture.templates_dir}}}}};
}

Result<void> NurtureModule::start(const Settings& s, ModuleHost& host) {
  SUNDIAL_ASSIGN_OR_RETURN(auto email,
                           load_email_deps(host.resend, host.email_from, s.nurture.templates_dir, kName));
  SUNDIAL_TRY(host.registry.add(
      kNurtureWorkflow,
      "a signup's email sequence (7 emails over 11 days by default); stops on 'booked' "
      "or 'unsubscribed'",
      [email](Context& ctx) { return nurture_workflow(ctx, *email); },
      [offsets = s.nurture.offsets](const nlohmann::json& input) {
        return check_nurture_input(input, offsets);
      }));
  host.routes.push_back(webhooks::signup_route(s.nurture.offsets));
  return ok();
}

}  // namespace sundial
