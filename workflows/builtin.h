// The one list of workflow types sundiald registers (cf. Envoy's extension
// registry). A new workflow lives in workflows/<name>/ and adds one entry to
// builtin.cc: its name, description, coroutine and input check.
//
// Threading: call before the engine opens. Ownership: `deps` are borrowed
// and must outlive the registry.
#pragma once

#include <string>
#include <vector>

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
  // What a start that leaves them out gets: [nurture] offsets, [reminders] before.
  std::vector<DurationMs> nurture_offsets;
  std::vector<DurationMs> reminder_lead_times;
};

Result<void> register_builtin_workflows(Registry& registry, const BuiltinDeps& deps);

}  // namespace sundial
