// How a provider signs its webhook deliveries, as a plain value a route
// carries (workflows/module/webhook_route.h): the scheme, the header that
// holds the signature, and the secret. Each provider names its own in
// connectors/<provider>/<provider>_signature.h; signature_is_valid checks
// a delivery against it.
//
// Threading: plain values and pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>

#include "connectors/http/inbound_request.h"

namespace sundial {

enum class SignatureScheme {
  kNone,          // public form: no signature
  kHexHmac,       // hex HMAC-SHA256 of the raw body in `header` (Cal.com)
  kPrefixedHmac,  // "sha256=" + hex HMAC-SHA256 in `header` (GitHub, Notion)
};

struct WebhookVerification {
  SignatureScheme scheme = SignatureScheme::kNone;
  std::string header;                 // lower-case, e.g. "x-cal-signature-256"
  std::optional<std::string> secret;  // read from the environment; none → every delivery is refused
};

// Whether `request` carries a valid signature for `verification`: false
// without the header or without a secret (hex compared case-insensitively,
// in constant time).
bool signature_is_valid(const WebhookVerification& verification, const http::HttpRequest& request);

}  // namespace sundial
