#include "workflows/email/email_step.h"

namespace sundial {

void send_templated_email(const EmailDeps& deps, const std::vector<std::string>& template_names,
                          const nlohmann::json& vars, const std::string& to, const StepInfo& info, StepDone done) {
  const EmailTemplate* t = deps.templates.find_first(template_names);
  if (t == nullptr) {
    return done(make_error(ErrorCode::kInvalidArgument, "no template '" + template_names.back() + "' is loaded"));
  }
  auto rendered = render_email(*t, vars);
  if (!rendered) return done(std::unexpected(rendered.error()));
  deps.resend.send(Email{deps.from, to, rendered->subject, rendered->html, rendered->text}, info.idempotency_key,
                   std::move(done));
}

}  // namespace sundial
