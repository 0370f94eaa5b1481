#include "engine/schedules/send_window.h"

#include <date/date.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "engine/base/floor_div.h"
#include "engine/base/json_fields.h"

namespace sundial {
namespace {

constexpr std::array<std::string_view, 7> kDayNames{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr int64_t kDaySeconds = 86400;

Error window_field_error(std::string_view field, std::string message) {
  return Error{ErrorCode::kInvalidArgument, "send window: " + std::string(field) + ": " + std::move(message)};
}

std::optional<int> day_index(std::string_view name) {
  if (name.size() != 3) return std::nullopt;
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    bool same = true;
    for (size_t c = 0; c < 3; ++c) {
      if (std::tolower(static_cast<unsigned char>(name[c])) !=
          std::tolower(static_cast<unsigned char>(kDayNames[i][c]))) {
        same = false;
      }
    }
    if (same) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Result<uint8_t> parse_days(std::string_view text) {
  if (trim_spaces(text) == "*") return uint8_t{0x7f};
  uint8_t days = 0;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trim_spaces(text.substr(0, comma));
    size_t dash = item.find('-');
    auto first = day_index(trim_spaces(item.substr(0, dash)));
    auto last = dash == std::string_view::npos ? first : day_index(trim_spaces(item.substr(dash + 1)));
    if (!first || !last) {
      return std::unexpected(window_field_error(
          "days", "\"" + std::string(item) + "\" is not a day or a range of days (Mon, Mon-Fri, Sat,Sun)"));
    }
    for (int d = *first;; d = (d + 1) % 7) {  // "Fri-Mon" wraps over the weekend
      days |= static_cast<uint8_t>(1u << d);
      if (d == *last) break;
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return days;
}

std::string format_days(uint8_t days) {
  std::string out;
  for (int d = 0; d < 7;) {
    if (!(days & (1u << d))) {
      ++d;
      continue;
    }
    int end = d;
    while (end + 1 < 7 && (days & (1u << (end + 1)))) ++end;
    if (!out.empty()) out += ",";
    out += kDayNames[static_cast<size_t>(d)];
    if (end > d) out += "-" + std::string(kDayNames[static_cast<size_t>(end)]);
    d = end + 1;
  }
  return out;
}

Result<int> parse_time_of_day(const nlohmann::json& value, std::string_view field, bool allow_24) {
  const std::string* text = value.get_ptr<const std::string*>();
  auto bad = [&] {
    return std::unexpected(window_field_error(field, (text ? "\"" + *text + "\"" : std::string("a non-string")) +
                                                  " is not a time of day (HH:MM, 00:00-" +
                                                  (allow_24 ? "24:00)" : "23:59)")));
  };
  if (text == nullptr || text->size() != 5 || (*text)[2] != ':') return bad();
  for (size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>((*text)[i]))) return bad();
  }
  int hours = ((*text)[0] - '0') * 10 + ((*text)[1] - '0');
  int minutes = ((*text)[3] - '0') * 10 + ((*text)[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || !allow_24))) return bad();
  return hours * 60 + minutes;
}

// "HH:MM" of a minute of the day (0..1440).
std::string format_time_of_day(int minute) {
  char text[24];  // room for any int, though minute is at most 1440
  std::snprintf(text, sizeof text, "%02d:%02d", minute / 60, minute % 60);
  return text;
}

// The value at a dotted path of `input` ("recipient.timezone"), or null.
const nlohmann::json* at_path(const nlohmann::json& input, std::string_view path) {
  const nlohmann::json* at = &input;
  while (true) {
    if (!at->is_object()) return nullptr;
    size_t dot = path.find('.');
    auto it = at->find(std::string(path.substr(0, dot)));
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string_view::npos) return at;
    path.remove_prefix(dot + 1);
  }
}

// Monday = 0; day 0 of the Unix count (1970-01-01) was a Thursday.
int weekday_of(int64_t day) { return static_cast<int>(((day + 3) % 7 + 7) % 7); }

}  // namespace

std::string format_local(TimeMs at, const TimeZone& zone) {
  // local_seconds counts wall-clock time as if it were UTC: format it so.
  return date::format("%F %H:%M ", date::sys_seconds{std::chrono::seconds{zone.local_seconds(at)}}) + zone.name();
}

Result<SendWindow> parse_send_window(const nlohmann::json& value, const NamedSendWindows& named) {
  if (value.is_string()) {
    const auto& name = value.get_ref<const std::string&>();
    if (auto it = named.find(name); it != named.end()) return it->second;
    std::string defined;
    for (const auto& [known, window] : named) defined += (defined.empty() ? "" : ", ") + known;
    return make_error(ErrorCode::kInvalidArgument,
                      "unknown send window \"" + name + "\" (" +
                          (defined.empty() ? "no [send_windows.<name>] table defines one" : "defined: " + defined) +
                          ")");
  }
  if (!value.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a send window is an object {days, from, to, timezone, timezone_from} or the name of one");
  }
  SUNDIAL_TRY(check_known_fields(value, "send window: ", {"days", "from", "to", "timezone", "timezone_from", "name"}));
  SendWindow window;
  if (auto it = value.find("days"); it != value.end()) {
    if (!it->is_string()) return std::unexpected(window_field_error("days", "must be a string such as \"Mon-Fri\""));
    SUNDIAL_ASSIGN_OR_RETURN(window.days, parse_days(it->get_ref<const std::string&>()));
  }
  if (!value.contains("from") || !value.contains("to")) {
    return make_error(ErrorCode::kInvalidArgument, "send window: give both from and to (\"09:00\", \"18:00\")");
  }
  SUNDIAL_ASSIGN_OR_RETURN(window.from_minute, parse_time_of_day(value["from"], "from", false));
  SUNDIAL_ASSIGN_OR_RETURN(window.to_minute, parse_time_of_day(value["to"], "to", true));
  if (window.to_minute == window.from_minute) {
    return std::unexpected(window_field_error("to", "equals from; for a window open all day give 00:00 to 24:00"));
  }
  if (auto it = value.find("timezone"); it != value.end()) {
    if (!it->is_string()) return std::unexpected(window_field_error("timezone", "must be a string"));
    auto zone = TimeZone::find(it->get_ref<const std::string&>());
    if (!zone) return std::unexpected(window_field_error("timezone", zone.error().message));
    window.timezone = zone->name();
  }
  if (auto it = value.find("timezone_from"); it != value.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > 200) {
      return std::unexpected(window_field_error("timezone_from", "must be a field of the input, such as \"timezone\""));
    }
    window.timezone_from = it->get_ref<const std::string&>();
  }
  if (auto it = value.find("name"); it != value.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 200) {
      return std::unexpected(window_field_error("name", "must be a string"));
    }
    window.name = it->get_ref<const std::string&>();
  }
  return window;
}

nlohmann::json to_json(const SendWindow& window) {
  nlohmann::json out = {{"days", format_days(window.days)},
                        {"from", format_time_of_day(window.from_minute)},
                        {"to", format_time_of_day(window.to_minute)},
                        {"timezone", window.timezone}};
  if (!window.timezone_from.empty()) out["timezone_from"] = window.timezone_from;
  if (!window.name.empty()) out["name"] = window.name;
  return out;
}

std::string describe(const SendWindow& window, std::string_view zone_name) {
  return format_days(window.days) + " " + format_time_of_day(window.from_minute) + "-" +
         format_time_of_day(window.to_minute) + " " + std::string(zone_name);
}

TimeZone window_zone(const SendWindow& window, const nlohmann::json& input, std::string* problem) {
  if (!window.timezone_from.empty()) {
    if (const nlohmann::json* named = at_path(input, window.timezone_from); named != nullptr && !named->is_null()) {
      const std::string* text = named->get_ptr<const std::string*>();
      if (text != nullptr) {
        if (auto zone = TimeZone::find(*text)) return *zone;
      }
      if (problem != nullptr) {
        *problem = "input." + window.timezone_from + " is not a known time zone; using " + window.timezone;
      }
    }
  }
  auto fixed = TimeZone::find(window.timezone);
  return fixed ? *fixed : TimeZone::utc();
}

Result<void> check_window_input(const SendWindow& window, const nlohmann::json& input) {
  if (window.timezone_from.empty()) return ok();
  const nlohmann::json* named = at_path(input, window.timezone_from);
  if (named == nullptr || named->is_null()) return ok();  // absent: the window's own zone
  if (!named->is_string()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "input." + window.timezone_from + " must be a time zone name such as \"Europe/Paris\"");
  }
  auto zone = TimeZone::find(named->get_ref<const std::string&>());
  if (!zone) return make_error(ErrorCode::kInvalidArgument, "input." + window.timezone_from + ": " + zone.error().message);
  return ok();
}

TimeMs next_opening(const SendWindow& window, const TimeZone& zone, TimeMs now) {
  const int64_t today = floor_div(zone.local_seconds(now), kDaySeconds);
  std::optional<TimeMs> best;
  // From yesterday (a window past midnight may still be open) to two weeks
  // ahead: a window open one day a week whose next opening falls wholly
  // in a DST gap opens the week after.
  for (int64_t day = today - 1; day <= today + 15; ++day) {
    if (!(window.days & (1u << weekday_of(day)))) continue;
    const int64_t open_local = day * kDaySeconds + window.from_minute * 60;
    const int64_t close_day = window.to_minute > window.from_minute ? day : day + 1;
    const TimeMs open = zone.resolve_local(open_local);
    const TimeMs close = zone.resolve_local(close_day * kDaySeconds + window.to_minute * 60);
    if (close <= open) continue;  // the whole window falls in a skipped hour
    if (open <= now && now < close) return now;
    if (open > now && (!best || open < *best)) best = open;
  }
  return best.value_or(now);  // unreachable with a day open (DST gaps come at most twice a year)
}

}  // namespace sundial
