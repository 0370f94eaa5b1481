// What a Lua trigger's map(body, headers) returned, as the engine commands
// of a webhook delivery (workflows/module/webhook_route.h). The value has
// crossed to JSON already (lua_json.h); this reads it:
//
//   nil, {} ................................ acknowledged, nothing done
//   { start = { type?, id?, input? } } ..... one action: a table with one key
//   { signal = { id, name, payload?, optional? } }
//   { cancel = { id, reason? } }
//   { enqueue = { queue, ... } } ........... a task (docs/tasks.md)
//   { publish = { topic, type, data?, key?, id? } }   an event (docs/events.md)
//   { ignore = "why" } ..................... acknowledged with a reason
//   { {start = ...}, {signal = ...} } ...... a list, run in order
//
// `type` defaults to the script's own type. Unknown kinds and unknown fields
// are errors (a typo must not become a silent no-op). A new kind is one
// parse function and one row of kActionKinds (trigger_actions.cc), plus
// its WebhookAction.
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "workflows/module/webhook_route.h"

namespace sundial::lua {

inline constexpr size_t kMaxTriggerActions = 100;

// invalid_argument with a message naming the action ("action 2: signal:
// 'name' must be a string") for anything else.
Result<webhooks::WebhookActions> parse_trigger_actions(const nlohmann::json& value,
                                                       const std::string& own_type);

}  // namespace sundial::lua
