// Schedules declared by a Lua script (docs/lua.md, "Schedules"): the
// `schedules` table of the script's table, keyed by schedule id, each
// entry the fields of a schedule (docs/schedules.md) without `id`; its
// action is a start of the script's own type with `input`, unless the
// entry gives an `action` of its own:
//
//   schedules = {
//     ["nightly-backfill"] = { cron = "0 3 * * *", timezone = "Europe/Paris",
//                              input = { full = true }, misfire = "fire_once" },
//     ["monday-sync"] = { every = "15m", overlap = "skip" },
//   }
//
// Read from a fresh copy of the chunk; the daemon declares them with the
// schedule service (ScheduleService::declare, owner: the script's type)
// at start-up and whenever the script changes.
//
// Threading: loop thread (the script's sandbox).
#pragma once

#include <vector>

#include "engine/base/error.h"
#include "engine/schedules/schedule_spec.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

// Most schedules one script may declare.
inline constexpr size_t kMaxScriptSchedules = 100;

// The script's schedules (none without a `schedules` field);
// invalid_argument "nightly.lua: schedule 'x': cron is invalid: ..." for
// one that is not valid.
Result<std::vector<ScheduleSpec>> script_schedules(const LuaScript& script);

}  // namespace sundial::lua
