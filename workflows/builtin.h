// The one list of workflow types sundiald registers (cf. Envoy's extension
// registry). A new workflow lives in workflows/<name>/ and adds one line to
// builtin.cc.
//
// Threading: call before the engine opens. Ownership: `deps` are borrowed
// and must outlive the registry.
#pragma once

#include <string>

#include "connectors/resend/resend_client.h"
#include "engine/base/error.h"
#include "engine/runtime/registry.h"
#include "workflows/email/email_template.h"

namespace sundial {

struct BuiltinDeps {
  ResendClient& resend;
  const TemplateSet& nurture_templates;
  const TemplateSet& reminder_templates;
  std::string email_from;
};

Result<void> register_builtin_workflows(Registry& registry, const BuiltinDeps& deps);

}  // namespace sundial
