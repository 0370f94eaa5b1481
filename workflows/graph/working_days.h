// Calendar arithmetic on civil dates (year-month-day in the proleptic
// Gregorian calendar, no time of day, no time zone): parsing and printing
// "YYYY-MM-DD", day numbers, and counting or adding days with or without
// weekends. Made for shifting a dependent task's dates by as many working
// days as its predecessor's end moved:
//
//   int64_t delta = working_days_between(old_end, new_end, true);
//   CivilDate start = add_working_days(old_start, delta, true);
//
// Working days are Monday to Friday (no holidays). The rule behind both
// functions with skip_weekends: walk from one date to the other one day at
// a time and count the weekdays you step onto — the start date is not
// counted, the end date is. So:
//   - working_days_between(from, to) counts the weekdays in (from, to] when
//     to >= from, and minus those in [to, from) when to < from. A weekend
//     endpoint adds nothing: Fri -> Sat is 0, Sat -> Mon is 1, Sat -> Fri
//     (the day before) is -1, Fri -> Mon is 1.
//   - add_working_days(d, n) is the n-th weekday after d (n > 0) or the
//     |n|-th weekday before d (n < 0), so from a Saturday +1 is the Monday
//     and -1 the Friday; n == 0 returns d unchanged, even on a weekend.
//   - Hence add_working_days(a, working_days_between(a, b)) == b for every
//     date a and every weekday b (for weekdays a and b the count is also
//     antisymmetric). When b is a weekend day, it lands on the last weekday
//     stepped onto before b, or on a when there is none.
// Without skip_weekends both are plain day differences and additions.
//
// Range: parse_date accepts years kMinYear..kMaxYear. The arithmetic is
// exact far beyond (n is clamped to +-kMaxDayDelta so nothing overflows);
// a result outside the range is still a real date, which is_valid() says
// is out of range and format_date prints with its digits as they are.
// Functions taking a CivilDate expect a real one (is_valid); for others
// they answer without undefined behaviour, but meaninglessly.
//
// Threading: pure functions; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sundial::graph {

inline constexpr int kMinYear = 1970;
inline constexpr int kMaxYear = 9999;
// The largest |n| add_working_days and add_days act on (about 27,000 years).
inline constexpr int64_t kMaxDayDelta = 10'000'000;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31

  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

// A date parsed from "YYYY-MM-DD" or an ISO date-time
// "YYYY-MM-DDTHH:MM[...]". `time` is what followed the date, from the "T"
// on ("T09:30:00+02:00"), unchecked beyond its hour and minute; empty for a
// plain date. A caller that moves the date can keep the time:
// format_date(moved) + time.
struct ParsedDate {
  CivilDate date;
  std::string time;

  bool has_time() const { return !time.empty(); }
};

// A real date (month 1..12, the day within it, leap years counted) with a
// year in kMinYear..kMaxYear.
bool is_valid(CivilDate d);

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM..." (a "T" or "t", then a valid hour
// and minute; the rest is kept unchecked) with a date that is_valid;
// nullopt otherwise.
std::optional<ParsedDate> parse_date_time(std::string_view text);
// parse_date_time's date, the time part dropped.
std::optional<CivilDate> parse_date(std::string_view text);
// "YYYY-MM-DD" (the year zero-padded to four digits).
std::string format_date(CivilDate d);

// Days since 1970-01-01 (negative before it), and back.
int64_t days_from_civil(CivilDate d);
CivilDate civil_from_days(int64_t days);

// 0 = Monday .. 6 = Sunday.
int weekday(CivilDate d);
bool is_weekend(CivilDate d);

// d plus n days (n clamped to +-kMaxDayDelta).
CivilDate add_days(CivilDate d, int64_t n);

// Signed working days from `from` to `to` (see the header comment); without
// skip_weekends, to - from in days.
int64_t working_days_between(CivilDate from, CivilDate to, bool skip_weekends);

// d moved by n working days (see the header comment; n clamped to
// +-kMaxDayDelta); without skip_weekends, add_days(d, n).
CivilDate add_working_days(CivilDate d, int64_t n, bool skip_weekends);

}  // namespace sundial::graph
