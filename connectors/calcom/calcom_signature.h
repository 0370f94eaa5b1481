// Cal.com's webhook signature (PROVIDERS.md 1.4): X-Cal-Signature-256 is
// the hex HMAC-SHA256 of the raw body under the webhook's secret.
//
// Threading: a pure function.
#pragma once

#include <optional>
#include <string>

#include "connectors/signing/webhook_signature.h"

namespace sundial {

inline WebhookVerification calcom_verification(std::optional<std::string> secret) {
  return hmac_verification("x-cal-signature-256", std::move(secret));
}

}  // namespace sundial
