#include "workflows/lua/dates_lib.h"

#include <stdexcept>
#include <string>

#include <lua.hpp>

#include "engine/schedules/send_window.h"
#include "workflows/graph/working_days.h"
#include "workflows/lua/c_function.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

struct DateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string date_fn(const char* name) { return std::string("dates.") + name; }

// A date argument, as plain values: nothing that owns memory may be alive
// when a Lua call raises (a longjmp skips destructors; c_function.h).
struct DateArg {
  graph::CivilDate date;
  size_t time_offset = 0;  // where its time part starts in the Lua string (its length: none)
};

// Argument `arg` as a date (or date-time), or an error naming it.
DateArg date_arg(lua_State* L, int arg, const char* fn) {
  if (lua_type(L, arg) != LUA_TSTRING) {
    throw DateError(date_fn(fn) + ": argument " + std::to_string(arg) +
                    " must be a date \"YYYY-MM-DD\", not " + luaL_typename(L, arg));
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, arg, &len);
  std::string_view text(s, len);
  auto parsed = graph::parse_date_time(text);
  if (!parsed) {
    std::string shown(text.substr(0, 40));
    throw DateError(date_fn(fn) + ": '" + shown + "' is not a date \"YYYY-MM-DD\" (years " +
                    std::to_string(graph::kMinYear) + "-" + std::to_string(graph::kMaxYear) + ")");
  }
  return DateArg{parsed->date, len - parsed->time.size()};
}

int64_t count_arg(lua_State* L, int arg, const char* fn) {
  if (!lua_isinteger(L, arg)) {
    throw DateError(date_fn(fn) + ": argument " + std::to_string(arg) + " must be an integer");
  }
  lua_Integer n = lua_tointeger(L, arg);
  if (n > graph::kMaxDayDelta || n < -graph::kMaxDayDelta) {
    throw DateError(date_fn(fn) + ": " + std::to_string(n) + " days is out of range");
  }
  return n;
}

bool skip_arg(lua_State* L, int arg, const char* fn) {
  if (lua_isnoneornil(L, arg)) return true;
  if (lua_type(L, arg) != LUA_TBOOLEAN) {
    throw DateError(date_fn(fn) + ": skip_weekends must be true or false");
  }
  return lua_toboolean(L, arg) != 0;
}

// The moved date, keeping the time part of argument 1 (`from`); an error
// when it leaves the range. The text is built by Lua, from a stack buffer
// and the argument's own bytes.
int push_moved(lua_State* L, DateArg from, graph::CivilDate to, const char* fn) {
  if (!graph::is_valid(to)) throw DateError(date_fn(fn) + ": the result is out of range");
  char date[16] = {};
  {
    std::string formatted = graph::format_date(to);  // "YYYY-MM-DD": a valid date's year has 4 digits
    formatted.copy(date, sizeof date - 1);
  }
  size_t len = 0;
  const char* text = lua_tolstring(L, 1, &len);
  lua_pushstring(L, date);
  lua_pushlstring(L, text + from.time_offset, len - from.time_offset);
  lua_concat(L, 2);
  return 1;
}

int dates_valid(lua_State* L) {
  bool ok = false;
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    ok = graph::parse_date_time(std::string_view(s, len)).has_value();
  }
  lua_pushboolean(L, ok ? 1 : 0);
  return 1;
}

int dates_weekday(lua_State* L) {
  DateArg d = date_arg(L, 1, "weekday");
  lua_pushinteger(L, graph::weekday(d.date) + 1);
  return 1;
}

int dates_add_days(lua_State* L) {
  DateArg d = date_arg(L, 1, "add_days");
  int64_t n = count_arg(L, 2, "add_days");
  return push_moved(L, d, graph::add_days(d.date, n), "add_days");
}

int dates_add_working_days(lua_State* L) {
  DateArg d = date_arg(L, 1, "add_working_days");
  int64_t n = count_arg(L, 2, "add_working_days");
  bool skip = skip_arg(L, 3, "add_working_days");
  return push_moved(L, d, graph::add_working_days(d.date, n, skip), "add_working_days");
}

int dates_working_days_between(lua_State* L) {
  DateArg from = date_arg(L, 1, "working_days_between");
  DateArg to = date_arg(L, 2, "working_days_between");
  bool skip = skip_arg(L, 3, "working_days_between");
  lua_pushinteger(L, graph::working_days_between(from.date, to.date, skip));
  return 1;
}

int dates_days_between(lua_State* L) {
  DateArg from = date_arg(L, 1, "days_between");
  DateArg to = date_arg(L, 2, "days_between");
  lua_pushinteger(L, graph::days_from_civil(to.date) - graph::days_from_civil(from.date));
  return 1;
}

// Unix ms of year 9999's end: later instants are refused (the zone rules
// and the calendar math stop well before any overflow).
constexpr lua_Integer kLastInstantMs = 253402300799999;

int dates_next_opening(lua_State* L) {
  if (lua_type(L, 1) != LUA_TTABLE) {
    throw DateError("dates.next_opening: argument 1 must be a send window table { days =, from =, to =, "
                    "timezone =, timezone_from = }, not " + std::string(luaL_typename(L, 1)));
  }
  if (!lua_isinteger(L, 2) || lua_tointeger(L, 2) < 0 || lua_tointeger(L, 2) > kLastInstantMs) {
    throw DateError("dates.next_opening: argument 2 must be a time in Unix milliseconds (0 to year 9999)");
  }
  if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TTABLE) {
    throw DateError("dates.next_opening: argument 3, if given, must be the input table the zone is read from");
  }
  const TimeMs at = lua_tointeger(L, 2);
  TimeMs opens = 0;
  {
    auto window = parse_send_window(to_json(L, 1));
    if (!window) throw DateError("dates.next_opening: " + window.error().message);
    nlohmann::json input = lua_istable(L, 3) ? to_json(L, 3) : nlohmann::json::object();
    opens = next_opening(*window, window_zone(*window, input), at);
  }  // nothing that owns memory is alive below
  lua_pushinteger(L, opens);
  return 1;
}

}  // namespace

void push_dates_library(lua_State* L) {
  const luaL_Reg functions[] = {
      {"valid", c_function<dates_valid>},
      {"weekday", c_function<dates_weekday>},
      {"add_days", c_function<dates_add_days>},
      {"add_working_days", c_function<dates_add_working_days>},
      {"working_days_between", c_function<dates_working_days_between>},
      {"days_between", c_function<dates_days_between>},
      {"next_opening", c_function<dates_next_opening>},
      {nullptr, nullptr},
  };
  luaL_newlib(L, functions);
}

}  // namespace sundial::lua
