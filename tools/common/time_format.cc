#include "tools/common/time_format.h"

#include <array>
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

}  // namespace sundial
