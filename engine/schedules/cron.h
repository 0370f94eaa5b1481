// CronExpr: a parsed cron expression and its fire times in a time zone, the
// pure core of schedules (docs/schedules.md, "Cron expressions").
//
// Grammar: 5 fields "minute hour day-of-month month day-of-week", or 6 with
// seconds first (Quartz/Spring), or a macro (@yearly @annually @monthly
// @weekly @daily @midnight @hourly). Each field takes `*`, numbers, ranges
// `a-b`, steps `*/n` `a-b/n` `a/n`, lists `1,5,10-20/2`, and month and
// weekday names (JAN-DEC, SUN-SAT, any case); `?` is `*` in day of month or
// day of week; day of month takes `L` (the month's last day). When both day
// of month and day of week are restricted, a day matches either (Vixie
// cron). Quartz's `W`, `#`, `nL` and year field are refused.
//
// Fire times are the local wall-clock times in the zone that match, each
// resolved to an instant by TimeZone::resolve_local (a time skipped by DST
// fires when the gap ends; a repeated time fires once, at its first pass).
// next() and prev() walk day by day (month and day checks) and then through
// the hour, minute and second sets by next set bit, so a sparse expression
// costs little; they give up after 8 years.
//
// Threading: an immutable value, safe to share between threads.
// Ownership: owns its text; about 64 bytes, so 100,000 schedules fit in a
// few megabytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/schedules/time_zone.h"

namespace sundial {

class CronExpr {
 public:
  // 5 fields "minute hour day-of-month month day-of-week", or 6 with
  // seconds first (Quartz/Spring), or a macro @yearly @annually @monthly
  // @weekly @daily @midnight @hourly. Errors: invalid_argument whose message
  // names the field and the 1-based character position in `text`, e.g.
  // "cron: hour at position 5: 25 is out of range 0-23".
  static Result<CronExpr> parse(std::string_view text);

  const std::string& text() const { return text_; }  // as given (trimmed)
  bool has_seconds() const { return has_seconds_; }  // 6-field form

  // The first fire instant strictly after `after`, in `zone`, or nullopt
  // when none comes within 8 years (an expression like "0 0 30 2 *").
  // Always a whole second.
  std::optional<TimeMs> next(TimeMs after, const TimeZone& zone) const;
  // The last fire instant at or before `at_or_before`, or nullopt when none
  // within 8 years back.
  std::optional<TimeMs> prev(TimeMs at_or_before, const TimeZone& zone) const;

  // Whether a calendar day (month 1-12, day 1-31) matches the month,
  // day-of-month and day-of-week fields. An invalid date never matches.
  bool day_matches(int year, unsigned month, unsigned day) const;

 private:
  CronExpr() = default;

  // Bit i set = value i matches.
  uint64_t seconds_ = 0;   // 0-59 (only bit 0 in the 5-field form)
  uint64_t minutes_ = 0;   // 0-59
  uint32_t hours_ = 0;     // 0-23
  uint32_t days_ = 0;      // 1-31
  uint16_t months_ = 0;    // 1-12
  uint8_t weekdays_ = 0;   // 0-6, Sunday = 0
  bool last_day_ = false;  // `L` in day of month
  bool dom_star_ = false;  // day of month was `*` or `?`
  bool dow_star_ = false;  // day of week was `*` or `?`
  bool has_seconds_ = false;
  std::string text_;
};

}  // namespace sundial
