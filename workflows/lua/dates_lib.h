// The sandbox's `dates` library: calendar arithmetic on "YYYY-MM-DD" dates
// (and ISO date-times, whose time part is kept), the Lua face of
// workflows/graph/working_days.h so that a script shifts a task by working
// days with the same rules as the C++ side (docs/lua.md "The sandbox"):
//
//   dates.valid(text)                         -> true when a date or date-time
//   dates.weekday(text)                       -> 1 = Monday .. 7 = Sunday
//   dates.add_days(text, n)                   -> text n days later (n < 0: earlier)
//   dates.add_working_days(text, n [, skip_weekends = true])  -> text
//   dates.working_days_between(from, to [, skip_weekends = true]) -> integer
//   dates.days_between(from, to)              -> integer (to - from, in days)
//   dates.next_opening(window, at_ms [, input]) -> Unix ms: `at_ms` when the
//       send window (a table, engine/schedules/send_window.h) is open then,
//       else when it next opens; the zone comes from `input` at the
//       window's timezone_from, as the engine reads it
//
// A workflow waits for a signal until its window opens, so that a
// signal can still stop what would run then (docs/send-windows.md):
//   ctx:wait({ "unsubscribed" }, { ["until"] = dates.next_opening(w, due, input) })
// A date-time keeps its time of day and offset when moved:
// add_days("2026-03-06T09:30:00+02:00", 3) is "2026-03-09T09:30:00+02:00".
// Only the date part counts in the differences. A bad date or a
// non-integer n raises an error naming the argument. Pure and
// deterministic, so safe in a workflow's own code (replays see the same
// answers); each call is constant time.
//
// Threading: the calling Lua state's.
#pragma once

struct lua_State;

namespace sundial::lua {

// Pushes the library table.
void push_dates_library(lua_State* L);

}  // namespace sundial::lua
