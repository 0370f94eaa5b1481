// What a workflow needs to send templated email, and the one step body
// that does it: pick the template, render it, send it through Resend with
// the step's stable idempotency key. A missing template or a placeholder
// left unfilled fails the step for good (never sent).
//
// Threading: loop thread. Ownership: EmailDeps borrows the ResendClient
// and the TemplateSet for the daemon's life.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/resend/resend_client.h"
#include "engine/runtime/context.h"
#include "workflows/email/email_template.h"

namespace sundial {

struct EmailDeps {
  ResendClient& resend;
  const TemplateSet& templates;
  std::string from;
};

// A family's email setup at start-up: the templates of `templates_dir`
// and the EmailDeps over them, in one shared object that the family's
// registry entries keep alive. A folder that is missing, empty or holds a
// malformed template is invalid_argument "[<section>] templates_dir: ..."
// (every email of the family would fail otherwise).
Result<std::shared_ptr<const EmailDeps>> load_email_deps(ResendClient& resend, std::string from,
                                                         const std::string& templates_dir,
                                                         std::string_view section);

// Sends the first of `template_names` that exists, rendered with `vars`, to `to`.
void send_templated_email(const EmailDeps& deps, const std::vector<std::string>& template_names,
                          const nlohmann::json& vars, const std::string& to, const StepInfo& info,
                          StepDone done);

}  // namespace sundial
