// SendWindow: the hours in which a workflow's steps may start ("Mon-Fri
// 09:00-18:00 in the recipient's time zone"), and when the next such hour
// opens. A step that comes due outside its window waits, durably, for the
// next opening (engine/runtime/runtime.cc, `step_deferred` in the history;
// docs/send-windows.md).
//
// A window is given as JSON (the API's start body, a Lua step's options)
// or TOML (`[send_windows.<name>]`, `[workflows.<type>] send_window`):
//
//   { "days": "Mon-Fri", "from": "09:00", "to": "18:00",
//     "timezone": "Europe/Paris", "timezone_from": "recipient.timezone" }
//
// or as the name of a `[send_windows.<name>]` table. `days` (default every
// day) lists weekday names and ranges ("Mon-Fri", "Mon,Wed,Fri", "Fri-Mon");
// `from`/`to` are local wall-clock times, `to` may be "24:00", and a `to`
// before `from` runs past midnight (the days name the day it opens).
// `timezone` (default UTC) is the zone, or the fallback when
// `timezone_from`, a dotted path into the instance's input, names no zone.
//
// Local times map to instants by TimeZone::resolve_local's rules, so across
// a DST change a window keeps its wall-clock hours: 09:00 Paris is 08:00 UTC
// in winter and 07:00 UTC in summer, and a window inside a skipped hour
// never opens that day.
//
// Threading: immutable values and pure functions, any thread. TimeZone
// lookups read tzdata files unless warm_time_zones() ran (the daemon warms
// them at start-up, so the loop never reads them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/schedules/time_zone.h"

namespace sundial {

struct SendWindow {
  uint8_t days = 0x7f;       // bit d: weekday d is open (0 = Monday .. 6 = Sunday)
  int from_minute = 0;       // minutes after local midnight, 0..1439
  int to_minute = 24 * 60;   // 1..1440; at or before from_minute: ends the next day
  std::string timezone = "UTC";  // the zone, or the fallback of timezone_from
  std::string timezone_from;     // dotted path into the input naming a zone; empty: none
  std::string name;              // the [send_windows.<name>] it came from; empty when inline

  bool operator==(const SendWindow&) const = default;
};

using NamedSendWindows = std::map<std::string, SendWindow, std::less<>>;

// The windows a deployment defines: by name, and the default of each
// workflow type (`[workflows.<type>] send_window`).
struct SendWindowCatalog {
  NamedSendWindows named;
  NamedSendWindows by_type;

  const SendWindow* for_type(std::string_view type) const {
    auto it = by_type.find(type);
    return it == by_type.end() ? nullptr : &it->second;
  }
};

// A window from its JSON form, or a name of `named`. invalid_argument
// naming the field: `to: "25:00" is not a time of day (HH:MM, 00:00-24:00)`,
// `unknown send window "biz" (defined: business)`.
Result<SendWindow> parse_send_window(const nlohmann::json& value, const NamedSendWindows& named = {});
// The JSON form, canonical ("days": "Mon-Fri"), with "name" when it has one;
// parse_send_window reads it back to an equal value.
nlohmann::json to_json(const SendWindow& window);
// One line for logs and history: "Mon-Fri 09:00-18:00 Europe/Paris".
std::string describe(const SendWindow& window, std::string_view zone_name);

// The zone a window uses for an instance with `input`: the zone named at
// timezone_from when it is there and known, else `timezone` (also for
// null). When the input names an unknown zone or a non-string, `problem`
// (if given) says so.
TimeZone window_zone(const SendWindow& window, const nlohmann::json& input, std::string* problem = nullptr);
// invalid_argument when timezone_from names a value in `input` that is not
// a known zone (checked at start, before anything is stored).
Result<void> check_window_input(const SendWindow& window, const nlohmann::json& input);

// `at` as local wall-clock time in `zone`: "2026-03-30 09:00 Europe/Paris".
std::string format_local(TimeMs at, const TimeZone& zone);

// `now` when the window is open at `now`, else the instant it next opens
// (within 16 days, since at least one day is open).
TimeMs next_opening(const SendWindow& window, const TimeZone& zone, TimeMs now);

}  // namespace sundial
