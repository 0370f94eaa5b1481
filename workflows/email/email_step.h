// What a workflow needs to send templated email, and the one step body
// that does it: pick the template, render it, send it through Resend with
// the step's stable idempotency key. A missing template or a placeholder
// left unfilled fails the step for good (never sent).
//
// Threading: loop thread. Ownership: EmailDeps borrows the ResendClient
// and the TemplateSet for the daemon's life.
#pragma once

#include <string>
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

// Sends the first of `template_names` that exists, rendered with `vars`, to `to`.
void send_templated_email(const EmailDeps& deps, const std::vector<std::string>& template_names,
                          const nlohmann::json& vars, const std::string& to, const StepInfo& info, StepDone done);

}  // namespace sundial
