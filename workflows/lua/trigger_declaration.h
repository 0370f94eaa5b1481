// One webhook trigger as a script declares it (docs/lua.md, "Webhook
// triggers"), read from the trigger's table without its map function (the
// fields crossed to JSON: lua_json.h):
//
//   { path = "/webhooks/notion-tasks",          -- required
//     name = "notion-tasks",                    -- optional: dedupe keys, logs (default: the path)
//     public = false,                           -- optional: rate limited per client IP
//                                               --   (default: true without a signature)
//     signature = "none" | {                    -- required
//                   scheme = "hmac-sha256" | "stripe" | "standard-webhooks" | "none",
//                   secret_env = "NAME",        -- required unless scheme is "none"
//                   header = "x-signature",     -- hmac-sha256: required
//                   encoding = "hex" | "base64",-- hmac-sha256: default "hex"
//                   prefix = "sha256=",         -- hmac-sha256: default ""
//                   tolerance = "5m" },         -- stripe, standard-webhooks: default 5 min
//     delivery_id = { header = "x-delivery-id" } | { field = "/id" },
//                                               -- optional: default "/id" for stripe, the
//                                               --   webhook-id header for standard-webhooks,
//                                               --   else the body's SHA-256
//     map = function(body, headers) ... end }
//
// Checked when the script loads: an error here refuses the script.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "connectors/signing/webhook_signature.h"
#include "engine/base/error.h"

namespace sundial::lua {

struct TriggerDeclaration {
  std::string path;
  std::string name;
  bool public_route = false;
  // secret is left empty: it is read from `secret_env` when the route is built.
  WebhookVerification verification;
  std::string secret_env;
  std::optional<std::string> delivery_header;  // lower-case
  std::optional<std::string> delivery_field;   // a JSON pointer
};

// invalid_argument ("signature: unknown scheme 'hmac'") for a declaration
// that is not valid. `fields` is the trigger's table without `map`.
Result<TriggerDeclaration> parse_trigger_declaration(const nlohmann::json& fields);

// Whether `path` can be a trigger's path: "/" followed by segments of
// A-Z a-z 0-9 . _ ~ -, none empty, "." or "..", at most 200 characters,
// not under /api/. Empty when it can, else why not.
std::string trigger_path_problem(std::string_view path);

}  // namespace sundial::lua
