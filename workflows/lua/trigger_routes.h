// Webhook triggers declared by Lua scripts: the `triggers` list of a
// script's table (docs/lua.md, "Webhook triggers"; the fields are
// trigger_declaration.h's) becomes one webhooks::WebhookRoute per entry, so
// a provider needs no C++: the signature scheme is connectors/signing's,
// and the route's mapping calls the script's pure Lua map(body, headers).
//
// A map call runs at ingress, on the loop thread, in the script's sandbox:
// a fresh copy of the chunk in a fresh _ENV (nothing carries over from one
// delivery to the next), then map under TriggerOptions::map_instructions
// and the sandbox's memory caps. What it returns is read by
// trigger_actions.h. An error, an exceeded limit, a yield or a malformed
// return is invalid_argument with the Lua message (the handler answers 400
// and stores nothing).
//
// Threading: loop thread (the script's). Ownership: each route's map
// shares the LuaScript, so its state lives while a route that uses it is
// served (a replaced script's routes keep the old version alive until the
// route table drops them).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/http/inbound_request.h"
#include "engine/base/error.h"
#include "workflows/lua/script.h"
#include "workflows/module/webhook_route.h"

namespace sundial::lua {

struct TriggerOptions {
  // Lua VM instructions one map call may run (a fraction of a millisecond).
  // Default: 100,000.
  int64_t map_instructions = 100'000;
};

// The value of an environment variable holding a secret; nullopt when
// unset or empty (ModuleHost::read_secret, server/config's secret_from_env).
using SecretReader = std::function<std::optional<std::string>(const std::string& env_name)>;

// The routes `script` declares (none without a `triggers` field). Secrets
// are read now; a route whose variable is unset answers 503 (like the
// built-in routes). A declaration that is not valid is invalid_argument
// "greet.lua: trigger 2: signature: unknown scheme 'hmac'".
Result<std::vector<webhooks::WebhookRoute>> lua_trigger_routes(std::shared_ptr<const LuaScript> script,
                                                               const SecretReader& read_secret,
                                                               TriggerOptions options = {});

// Calls the map of trigger `index` (1-based) of `script` for one delivery.
// What a route's map does; public for tests.
Result<webhooks::WebhookActions> run_trigger_map(const LuaScript& script, size_t index,
                                                 const nlohmann::json& body, const http::HttpRequest& request,
                                                 const TriggerOptions& options);

}  // namespace sundial::lua
