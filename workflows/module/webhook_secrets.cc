#include "workflows/module/webhook_secrets.h"

namespace sundial {

std::vector<ConfigTable> webhook_secret_tables(WebhookSecretSettings& s) {
  return {
      {"calcom", {{"secret_env", StringField{&s.calcom_secret_env}}}},
      {"github", {{"secret_env", StringField{&s.github_secret_env}}}},
      {"notion", {{"secret_env", StringField{&s.notion_secret_env}}}},
  };
}

}  // namespace sundial
