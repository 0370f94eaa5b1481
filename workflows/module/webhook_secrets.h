// The environment variables that hold the providers' webhook signing
// secrets, and their config tables ([calcom], [github], [notion], key
// secret_env). Secrets are never in the file: only the variables' names.
// A module reads a secret through ModuleHost::read_secret when it builds
// its route; the scheme that checks it is the connector's
// (connectors/<provider>/<provider>_signature.h).
//
// Threading: a plain value, built at start-up.
#pragma once

#include <string>
#include <vector>

#include "workflows/module/config_table.h"

namespace sundial {

struct WebhookSecretSettings {
  // Default: CALCOM_WEBHOOK_SECRET, GITHUB_WEBHOOK_SECRET, NOTION_WEBHOOK_SECRET.
  std::string calcom_secret_env = "CALCOM_WEBHOOK_SECRET";
  std::string github_secret_env = "GITHUB_WEBHOOK_SECRET";
  std::string notion_secret_env = "NOTION_WEBHOOK_SECRET";
};

// [calcom], [github], [notion]: secret_env, bound to `settings`.
std::vector<ConfigTable> webhook_secret_tables(WebhookSecretSettings& settings);

}  // namespace sundial
