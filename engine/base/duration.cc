#include "engine/base/duration.h"

#include <array>
#include <limits>
#include <utility>

namespace sundial {
namespace {

struct Unit {
  std::string_view name;
  DurationMs ms;
};

// Longest names first so "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 5> kUnits{
    {{"ms", 1}, {"d", kDayMs}, {"h", kHourMs}, {"m", kMinuteMs}, {"s", kSecondMs}}};

}  // namespace

Result<DurationMs> parse_duration(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument, "invalid duration '" + std::string(text) +
                                                       "': " + std::string(why) +
                                                       " (write e.g. 90s, 15m, 24h, 11d or 1d12h)");
  };
  if (text.empty()) return invalid("empty");
  DurationMs total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return invalid("expected a number");
    DurationMs number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (number > (std::numeric_limits<DurationMs>::max() - 9) / 10) return invalid("too large");
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return invalid("expected a unit: ms, s, m, h or d");
    i += unit->name.size();
    if (number > (std::numeric_limits<DurationMs>::max() - total) / unit->ms) {
      return invalid("too large");
    }
    total += number * unit->ms;
  }
  return total;
}

std::string format_duration(DurationMs d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out = "-";
    d = -d;
  }
  constexpr std::array<std::pair<DurationMs, const char*>, 5> kParts{
      {{kDayMs, "d"}, {kHourMs, "h"}, {kMinuteMs, "m"}, {kSecondMs, "s"}, {1, "ms"}}};
  for (const auto& [ms, name] : kParts) {
    if (d >= ms) {
      out += std::to_string(d / ms);
      out += name;
      d %= ms;
    }
  }
  return out;
}

}  // namespace sundial
