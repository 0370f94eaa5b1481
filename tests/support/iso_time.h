// Instants as ISO-8601 UTC text in tests: "2026-03-29T01:00:00Z" (or with
// ".500" milliseconds) to TimeMs and back, so expected times read as dates.
//
// Threading: pure functions.
#pragma once

#include <date/date.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/base/clock.h"

namespace sundial::testing {

inline TimeMs iso_ms(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms);
  EXPECT_GE(n, 6) << text;
  auto days = date::sys_days{date::year{y} / mo / d}.time_since_epoch().count();
  return ((static_cast<int64_t>(days) * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}

// "none" for nullopt; milliseconds only when the instant has some.
inline std::string iso_text(std::optional<TimeMs> t) {
  if (!t) return "none";
  auto tp = date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{*t}};
  if (*t % 1000 == 0) return date::format("%FT%TZ", date::floor<std::chrono::seconds>(tp));
  return date::format("%FT%TZ", tp);
}

// The UTC wall-clock time of `t` as "HH:MM" (a send window's from or to).
inline std::string utc_hhmm(TimeMs t) {
  const int64_t minute = ((t / 60000) % (24 * 60) + 24 * 60) % (24 * 60);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(minute / 60), static_cast<int>(minute % 60));
  return buf;
}

}  // namespace sundial::testing
