// Notion's webhook signature (PROVIDERS.md 3.6): X-Notion-Signature
// is "sha256=" + the hex HMAC-SHA256 of the raw body under the
// subscription's verification_token. /webhooks/notion uses it
// (workflows/notion/notion_route.h), with the verification handshake as
// the route's pre-verification hook.
//
// Threading: a pure function.
#pragma once

#include <optional>
#include <string>

#include "connectors/signing/webhook_signature.h"

namespace sundial {

inline WebhookVerification notion_verification(std::optional<std::string> secret) {
  return hmac_verification("x-notion-signature", std::move(secret), "sha256=");
}

}  // namespace sundial
