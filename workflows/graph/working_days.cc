#include "workflows/graph/working_days.h"

#include <algorithm>
#include <cstdio>

namespace sundial::graph {

namespace {

// Floor division and modulo (the remainder has the divisor's sign).
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// Day 0 is 1970-01-01, a Thursday; day -3 (1969-12-29) a Monday.
constexpr int64_t kMondayDay = -3;

// The number of weekdays in [kMondayDay, day] (negative, consistently, for
// earlier days): a step function that grows by one on each weekday, so the
// weekdays in (a, b] number weekday_count(b) - weekday_count(a).
int64_t weekday_count(int64_t day) {
  int64_t since = day - kMondayDay;
  return 5 * floor_div(since, 7) + std::min<int64_t>(floor_mod(since, 7) + 1, 5);
}

// The weekday whose weekday_count is k (the inverse on weekdays).
int64_t weekday_with_count(int64_t k) { return kMondayDay + 7 * floor_div(k - 1, 5) + floor_mod(k - 1, 5); }

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// The value of the decimal digits `s`, or -1 when one is not a digit.
int read_digits(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

bool is_valid(CivilDate d) {
  return d.year >= kMinYear && d.year <= kMaxYear && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

std::optional<ParsedDate> parse_date_time(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  CivilDate d{read_digits(text.substr(0, 4)), read_digits(text.substr(5, 2)), read_digits(text.substr(8, 2))};
  if (!is_valid(d)) return std::nullopt;
  ParsedDate parsed{d, {}};
  if (text.size() == 10) return parsed;
  std::string_view time = text.substr(10);
  if (time.size() < 6 || (time[0] != 'T' && time[0] != 't') || time[3] != ':') return std::nullopt;
  int hour = read_digits(time.substr(1, 2));
  int minute = read_digits(time.substr(4, 2));
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  parsed.time = std::string(time);
  return parsed;
}

std::optional<CivilDate> parse_date(std::string_view text) {
  std::optional<ParsedDate> parsed = parse_date_time(text);
  if (!parsed) return std::nullopt;
  return parsed->date;
}

std::string format_date(CivilDate d) {
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return std::string(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
}

// Howard Hinnant's days_from_civil (http://howardhinnant.github.io/
// date_algorithms.html): years counted from March, so the leap day ends
// the year, in 400-year eras of 146,097 days. Unsigned arithmetic on the
// month and day keeps a meaningless input free of undefined behaviour.
int64_t days_from_civil(CivilDate d) {
  const auto m = static_cast<unsigned>(d.month);
  const auto day = static_cast<unsigned>(d.day);
  const int64_t y = static_cast<int64_t>(d.year) - (m <= 2);
  const int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);                   // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;                           // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(day)};
}

int weekday(CivilDate d) { return static_cast<int>(floor_mod(days_from_civil(d) - kMondayDay, 7)); }

bool is_weekend(CivilDate d) { return weekday(d) >= 5; }

CivilDate add_days(CivilDate d, int64_t n) {
  return civil_from_days(days_from_civil(d) + std::clamp(n, -kMaxDayDelta, kMaxDayDelta));
}

int64_t working_days_between(CivilDate from, CivilDate to, bool skip_weekends) {
  const int64_t a = days_from_civil(from);
  const int64_t b = days_from_civil(to);
  if (!skip_weekends) return b - a;
  if (b >= a) return weekday_count(b) - weekday_count(a);  // weekdays in (a, b]
  return weekday_count(b - 1) - weekday_count(a - 1);      // minus those in [b, a)
}

CivilDate add_working_days(CivilDate d, int64_t n, bool skip_weekends) {
  if (!skip_weekends) return add_days(d, n);
  n = std::clamp(n, -kMaxDayDelta, kMaxDayDelta);
  if (n == 0) return d;
  const int64_t day = days_from_civil(d);
  // n > 0: the weekday t after d with n weekdays in (d, t].
  // n < 0: the weekday t before d with |n| weekdays in [t, d).
  const int64_t t =
      n > 0 ? weekday_with_count(weekday_count(day) + n) : weekday_with_count(weekday_count(day - 1) + n + 1);
  return civil_from_days(t);
}

}  // namespace sundial::graph
