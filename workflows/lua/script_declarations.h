// What a Lua script declares beside its code: a table of entries by id in
// the script's table (`schedules = { ["id"] = {...} }`, `subscriptions =
// {...}`), read as JSON from a fresh run of the chunk. script_schedules.h
// and script_subscriptions.h turn the entries into their specs.
//
// Threading: loop thread (the script's sandbox).
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

// The script table's `field` as a JSON object by id; null when the script
// has none. invalid_argument "<chunk>: <field> must be a table of <what>s
// by id ..." for another shape, or more than `max` entries; `what` names
// one entry in messages ("schedule", "subscription").
Result<nlohmann::json> declared_table(const LuaScript& script, std::string_view field, std::string_view what,
                                      size_t max);

}  // namespace sundial::lua
