// The handler of one webhook route. In order: POST only (405) → per-IP
// rate limit on public routes (429 + Retry-After) → the route's
// pre-verification hook → signature (401 invalid_signature; a signing
// route with no secret configured refuses everything with 503) → body
// (400/415) → the route's mapping (its error, mapped like an engine error:
// invalid_argument → 400) → the engine command, with the dedupe key
// "webhook:<route>:<delivery id or body sha256>" as its idempotency key →
// 202 {"instance_id"} once the command is durable (200 when a start named
// an instance that exists; 303 to the route's browser_redirect instead
// when a browser posted a form: browser_answer.h).
// Nothing is stored for a delivery that fails a check.
//
// The route (workflows/module/webhook_route.h) says what; this runs it.
// Signature checks are the connectors' (signature_is_valid).
//
// Threading: loop thread only. Ownership: the handler shares the route and
// borrows the Engine, the Clock and the RateLimiter, which must outlive it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/base/clock.h"
#include "engine/base/json_parse.h"
#include "engine/engine.h"
#include "server/http/responder.h"
#include "server/webhooks/rate_limiter.h"
#include "workflows/module/webhook_route.h"

namespace sundial::webhooks {

// What a delivery verified by `verification` is refused with while it has
// no secret: the 503's message, naming the environment variable to set
// (Verification::secret_env) when it is known.
std::string secret_not_configured_message(const Verification& verification);

// The warning sundiald logs at start-up (and when a script's triggers
// change) for a signing route that has no secret for one of its ways in,
// naming each variable to set; nullopt when nothing is missing.
std::optional<std::string> missing_secret_warning(const WebhookRoute& route);

// `json_limits`: JSON bodies nested deeper are refused (400). `clock`
// dates deliveries for the timestamped signature schemes.
http::HttpHandler make_webhook_handler(Engine& engine, const Clock& clock,
                                       std::shared_ptr<const WebhookRoute> route, RateLimiter* limiter,
                                       JsonLimits json_limits = {});

}  // namespace sundial::webhooks
