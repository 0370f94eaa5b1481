// GitHub's webhook signature (PROVIDERS.md 4.1): X-Hub-Signature-256
// is "sha256=" + the lower-case hex HMAC-SHA256 of the raw body under the
// webhook's secret. The GitHub route of the Notion-GitHub sync checks
// deliveries with it (workflows/notion/github_route.cc).
//
// Threading: a pure function.
#pragma once

#include <optional>
#include <string>

#include "connectors/signing/webhook_signature.h"

namespace sundial {

inline WebhookVerification github_verification(std::optional<std::string> secret) {
  return hmac_verification("x-hub-signature-256", std::move(secret), "sha256=");
}

}  // namespace sundial
