// Subscriptions to the event bus declared by a Lua script (docs/lua.md,
// "Subscriptions"): the `subscriptions` table of the script's table, keyed
// by subscription id, each entry the fields of a subscription
// (docs/events.md) without `id`. Its action is a start of the script's
// own type (the event is the input; `concurrency`, `id_reuse` and the
// instance `id` template of the start may be given beside the topic),
// unless the entry gives an `action` of its own:
//
//   subscriptions = {
//     ["task-moved"] = { topic = "tasks", filter = { type = "TaskMoved" },
//                        concurrency = { key = "project:{data.project}" } },
//     ["audit"] = { topic = "tasks", action = { enqueue = { queue = "audit" } } },
//   }
//
// Read from a fresh copy of the chunk; the daemon declares them with the
// subscription service (source "script", owner: the script's type) at
// start-up, before delivery starts, and whenever the script changes.
//
// Threading: loop thread (the script's sandbox).
#pragma once

#include <vector>

#include "engine/base/error.h"
#include "engine/topics/subscription_spec.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

// Most subscriptions one script may declare.
inline constexpr size_t kMaxScriptSubscriptions = 100;

// The script's subscriptions (none without a `subscriptions` field);
// invalid_argument "t.lua: subscription 'x': topic ..." for one that is
// not valid.
Result<std::vector<SubscriptionSpec>> script_subscriptions(const LuaScript& script);

}  // namespace sundial::lua
