#include "tools/common/time_format.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

namespace sundial {

std::string format_relative(TimeMs t, TimeMs now) {
  DurationMs d = t - now;
  bool future = d > 0;
  if (d < 0) d = -d;
  if (d < kSecondMs) return "now";
  constexpr std::array<std::pair<DurationMs, const char*>, 4> kUnits{
      {{kDayMs, "d"}, {kHourMs, "h"}, {kMinuteMs, "m"}, {kSecondMs, "s"}}};
  std::string text;
  int parts = 0;
  for (const auto& [ms, name] : kUnits) {
    if (parts == 2) break;
    if (d >= ms) {
      if (!text.empty()) text += ' ';
      text += std::to_string(d / ms) + name;
      d %= ms;
      ++parts;
    } else if (parts == 1) {
      break;  // "2d" rather than "2d 0h 5m": only adjacent units
    }
  }
  return future ? "in " + text : text + " ago";
}

std::string format_utc(TimeMs t) {
  std::time_t seconds = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(t % 1000));
  return buf;
}

}  // namespace sundial
