// How a provider signs its webhook deliveries, as a plain value a route
// carries (workflows/module/webhook_route.h): the scheme, where the
// signature is, the secret and, for timestamped schemes, how old a delivery
// may be. Providers name theirs in connectors/<provider>/<provider>_signature.h;
// Lua triggers build one from a script's declaration (docs/lua.md).
// check_signature checks a delivery against it.
//
// Schemes:
//  - kHmac: `prefix` + HMAC-SHA256 of the raw body under the secret, hex
//    (compared in any case) or base64, in `header` (Cal.com: hex, no
//    prefix; GitHub and Notion: hex, "sha256=").
//  - kStripe: `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`, the HMAC
//    of `t + "." + body` under the secret as given (whsec_... included);
//    any v1 may match (Stripe sends two while a secret is rolled).
//  - kStandardWebhooks (standardwebhooks.com, Svix): `webhook-id`,
//    `webhook-timestamp` (unix s) and `webhook-signature: v1,<base64>
//    [v1,<base64>...]`, the HMAC of `id + "." + timestamp + "." + body`
//    under the base64 key of a `whsec_<base64>` secret.
// Timestamped schemes refuse a delivery whose timestamp is more than
// `tolerance` away from now, either way (a replay of an old capture).
// Every comparison of a digest is constant-time.
//
// Threading: plain values and pure functions, thread-safe. The caller
// passes the time (its Clock), so tests drive the tolerance.
#pragma once

#include <optional>
#include <string>

#include "connectors/http/inbound_request.h"
#include "engine/base/clock.h"

namespace sundial {

enum class SignatureScheme {
  kNone,  // public form: no signature
  kHmac,
  kStripe,
  kStandardWebhooks,
  // The header holds the secret itself (Notion's database automations,
  // whose "Send webhook" carries custom headers but no signature).
  kSharedSecret,
};

enum class SignatureEncoding { kHex, kBase64 };

inline constexpr DurationMs kDefaultSignatureTolerance = 5 * kMinuteMs;

struct WebhookVerification {
  SignatureScheme scheme = SignatureScheme::kNone;
  // Lower-case. kHmac: the header with the signature ("x-cal-signature-256");
  // kStripe: "stripe-signature"; kStandardWebhooks: "webhook-signature".
  std::string header;
  // Read from the environment; none → every delivery is refused. For
  // kStandardWebhooks the whole "whsec_<base64>" text.
  std::optional<std::string> secret;
  // The environment variable the secret is read from ("CALCOM_WEBHOOK_SECRET"),
  // for the messages that say what to set; empty when not known.
  std::string secret_env;
  SignatureEncoding encoding = SignatureEncoding::kHex;  // kHmac
  std::string prefix;                                    // kHmac, e.g. "sha256="
  DurationMs tolerance = kDefaultSignatureTolerance;     // kStripe, kStandardWebhooks
};

WebhookVerification hmac_verification(std::string header, std::optional<std::string> secret,
                                      std::string prefix = {},
                                      SignatureEncoding encoding = SignatureEncoding::kHex);
WebhookVerification stripe_verification(std::optional<std::string> secret,
                                        DurationMs tolerance = kDefaultSignatureTolerance);
WebhookVerification shared_secret_verification(std::string header, std::optional<std::string> secret);
WebhookVerification standard_webhooks_verification(std::optional<std::string> secret,
                                                   DurationMs tolerance = kDefaultSignatureTolerance);

// The signing key of a Standard Webhooks secret: the base64 after an
// optional "whsec_"; nullopt when that is not base64 or decodes to nothing.
std::optional<std::string> standard_webhooks_key(std::string_view secret);

// The outcome of a check. `problem` says what is wrong for the 401's
// message (never a secret or the expected digest).
struct SignatureCheck {
  bool valid = false;
  std::string problem;
};

// Whether `request` carries a valid signature for `verification` at
// `now_ms`: never without the header(s) or without a secret.
SignatureCheck check_signature(const WebhookVerification& verification, const http::HttpRequest& request,
                               TimeMs now_ms);

inline bool signature_is_valid(const WebhookVerification& verification, const http::HttpRequest& request,
                               TimeMs now_ms) {
  return check_signature(verification, request, now_ms).valid;
}

}  // namespace sundial
