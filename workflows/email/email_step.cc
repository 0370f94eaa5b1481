#include "workflows/email/email_step.h"

#include "workflows/email/email_counts.h"

namespace sundial {

Result<std::shared_ptr<const EmailDeps>> load_email_deps(ResendClient& resend, std::string from,
                                                         const std::string& templates_dir,
                                                         std::string_view section) {
  auto loaded = TemplateSet::load_directory(templates_dir);
  if (!loaded || loaded->size() == 0) {
    std::string why = loaded ? "'" + templates_dir + "' holds no .tmpl file" : loaded.error().message;
    return make_error(ErrorCode::kInvalidArgument, "[" + std::string(section) + "] templates_dir: " + why);
  }
  // The deps refer to the templates next to them: one allocation, never moved.
  struct Loaded {
    Loaded(TemplateSet t, ResendClient& r, std::string f)
        : templates(std::move(t)), deps{r, templates, std::move(f)} {}
    TemplateSet templates;
    EmailDeps deps;
  };
  auto owner = std::make_shared<Loaded>(std::move(*loaded), resend, std::move(from));
  return std::shared_ptr<const EmailDeps>(owner, &owner->deps);
}

void send_templated_email(const EmailDeps& deps, const std::vector<std::string>& template_names,
                          const nlohmann::json& vars, const std::string& to, const StepInfo& info,
                          StepDone done) {
  EmailCounts& counts = EmailCounts::process();
  const EmailTemplate* t = deps.templates.find_first(template_names);
  if (t == nullptr) {
    // One label for every missing template: the names come from scripts.
    counts.count("(missing)", EmailCounts::Outcome::kFailed);
    return done(make_error(ErrorCode::kInvalidArgument,
                           "no template '" + (template_names.empty() ? "" : template_names.back()) + "' is loaded"));
  }
  auto rendered = render_email(*t, vars);
  if (!rendered) {
    counts.count(t->name, EmailCounts::Outcome::kFailed);
    return done(std::unexpected(rendered.error()));
  }
  auto sent = deps.resend.log_mode() ? EmailCounts::Outcome::kLogged : EmailCounts::Outcome::kSent;
  deps.resend.send(Email{deps.from, to, rendered->subject, rendered->html, rendered->text}, info.idempotency_key,
                   [&counts, name = t->name, sent, done = std::move(done)](Result<nlohmann::json> result) mutable {
                     counts.count(name, result ? sent : EmailCounts::Outcome::kFailed);
                     done(std::move(result));
                   });
}

}  // namespace sundial
