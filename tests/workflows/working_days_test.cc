// Civil-date arithmetic (workflows/graph/working_days.h): parsing and
// printing, day numbers against a calendar walked day by day, weekends,
// month, year and leap boundaries, negative deltas, and the round trip
// add_working_days(a, working_days_between(a, b)) == b over many dates.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "workflows/graph/working_days.h"

namespace sundial::graph {
namespace {

CivilDate date(const char* text) {
  std::optional<CivilDate> d = parse_date(text);
  EXPECT_TRUE(d) << text;
  return d.value_or(CivilDate{});
}

// The next day, by the calendar's rules rather than by day numbers.
CivilDate next_day(CivilDate d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  int last = d.month == 2 && leap ? 29 : kDays[d.month - 1];
  if (d.day < last) return {d.year, d.month, d.day + 1};
  if (d.month < 12) return {d.year, d.month + 1, 1};
  return {d.year + 1, 1, 1};
}

// working_days_between and add_working_days by walking one day at a time.
int64_t walk_between(CivilDate from, CivilDate to) {
  int64_t a = days_from_civil(from), b = days_from_civil(to), count = 0;
  for (int64_t t = a + 1; t <= b; ++t) count += !is_weekend(civil_from_days(t));
  for (int64_t t = b; t < a; ++t) count -= !is_weekend(civil_from_days(t));
  return count;
}

CivilDate walk_add(CivilDate d, int64_t n) {
  int64_t t = days_from_civil(d);
  int64_t step = n > 0 ? 1 : -1;
  for (int64_t left = n > 0 ? n : -n; left > 0;) {
    t += step;
    if (!is_weekend(civil_from_days(t))) --left;
  }
  return civil_from_days(t);
}

TEST(WorkingDaysTest, ParsesAndFormatsDates) {
  EXPECT_EQ(parse_date("2024-02-29"), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(parse_date("2000-02-29"), (CivilDate{2000, 2, 29}));
  EXPECT_EQ(parse_date("1970-01-01"), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(parse_date("9999-12-31"), (CivilDate{9999, 12, 31}));
  for (const char* bad :
       {"2023-02-29", "2100-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "1969-12-31",
        "10000-01-01", "2024-1-05", "2024/01/05", "abcd-ef-gh", "", "2024-01-0", " 2024-01-01", "2024-01-01 ",
        "2024-01-01x", "-024-01-01", "+2024-01-01"}) {
    EXPECT_FALSE(parse_date(bad)) << bad;
  }
  EXPECT_EQ(format_date({2024, 3, 7}), "2024-03-07");
  EXPECT_EQ(format_date({1970, 1, 1}), "1970-01-01");
  EXPECT_EQ(format_date({12345, 1, 1}), "12345-01-01");  // out of range, printed as is
}

TEST(WorkingDaysTest, KeepsTheTimeOfADateTime) {
  std::optional<ParsedDate> p = parse_date_time("2024-03-01T09:30:00+02:00");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->date, (CivilDate{2024, 3, 1}));
  EXPECT_TRUE(p->has_time());
  EXPECT_EQ(p->time, "T09:30:00+02:00");
  EXPECT_EQ(format_date(add_working_days(p->date, 3, true)) + p->time, "2024-03-06T09:30:00+02:00");

  p = parse_date_time("2024-03-01");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_time());
  EXPECT_EQ(parse_date("2024-03-01t23:59Z"), (CivilDate{2024, 3, 1}));
  EXPECT_EQ(parse_date("2024-03-01T00:00"), (CivilDate{2024, 3, 1}));
  for (const char* bad : {"2024-03-01T", "2024-03-01T9:30", "2024-03-01T24:00", "2024-03-01T12:60",
                          "2024-03-01 09:30", "2024-03-01T09-30", "2024-02-30T09:30"}) {
    EXPECT_FALSE(parse_date_time(bad)) << bad;
  }
}

TEST(WorkingDaysTest, DayNumbersFollowTheCalendar) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
  EXPECT_EQ(days_from_civil({2024, 1, 1}), 19723);
  EXPECT_EQ(days_from_civil({9999, 12, 31}), 2932896);
  // Every day from 1970 to 9999, one after the other.
  CivilDate d{1970, 1, 1};
  for (int64_t n = 0; n <= 2932896; ++n) {
    ASSERT_EQ(days_from_civil(d), n) << format_date(d);
    ASSERT_EQ(civil_from_days(n), d) << n;
    ASSERT_TRUE(is_valid(d)) << format_date(d);
    d = next_day(d);
  }
  EXPECT_EQ(d, (CivilDate{10000, 1, 1}));
  EXPECT_FALSE(is_valid(d));
}

TEST(WorkingDaysTest, Weekdays) {
  EXPECT_EQ(weekday(date("1970-01-01")), 3);  // Thursday
  EXPECT_EQ(weekday(date("2024-01-01")), 0);  // Monday
  EXPECT_EQ(weekday(date("2000-01-01")), 5);  // Saturday
  EXPECT_EQ(weekday(date("2024-03-03")), 6);  // Sunday
  EXPECT_TRUE(is_weekend(date("2024-03-02")));
  EXPECT_FALSE(is_weekend(date("2024-03-01")));
}

// 2024-01: Mon 1 .. Fri 5, Sat 6, Sun 7, Mon 8.
TEST(WorkingDaysTest, CountsWeekdaysBetween) {
  auto between = [](const char* a, const char* b) { return working_days_between(date(a), date(b), true); };
  EXPECT_EQ(between("2024-01-01", "2024-01-01"), 0);
  EXPECT_EQ(between("2024-01-01", "2024-01-05"), 4);
  EXPECT_EQ(between("2024-01-01", "2024-01-08"), 5);
  EXPECT_EQ(between("2024-01-05", "2024-01-08"), 1);   // Fri -> Mon
  EXPECT_EQ(between("2024-01-08", "2024-01-05"), -1);  // Mon -> Fri
  EXPECT_EQ(between("2024-01-05", "2024-01-06"), 0);   // Fri -> Sat
  EXPECT_EQ(between("2024-01-06", "2024-01-07"), 0);   // Sat -> Sun
  EXPECT_EQ(between("2024-01-06", "2024-01-08"), 1);   // Sat -> Mon
  EXPECT_EQ(between("2024-01-06", "2024-01-05"), -1);  // Sat -> Fri
  EXPECT_EQ(between("2024-01-07", "2024-01-06"), 0);   // Sun -> Sat
  EXPECT_EQ(between("2024-01-22", "2024-01-01"), -15);
  // Year, month and leap boundaries.
  EXPECT_EQ(between("2023-12-29", "2024-01-02"), 2);  // Fri -> Tue
  EXPECT_EQ(between("2024-02-28", "2024-03-01"), 2);  // Wed -> Fri over the 29th
  EXPECT_EQ(between("2023-02-28", "2023-03-01"), 1);  // Tue -> Wed
  EXPECT_EQ(between("2024-01-01", "2025-01-01"), 262);
  // Without weekends skipped: days.
  EXPECT_EQ(working_days_between(date("2024-02-28"), date("2024-03-01"), false), 2);
  EXPECT_EQ(working_days_between(date("2023-02-28"), date("2023-03-01"), false), 1);
  EXPECT_EQ(working_days_between(date("2024-01-06"), date("2024-01-05"), false), -1);
  EXPECT_EQ(working_days_between(date("1970-01-01"), date("9999-12-31"), false), 2932896);
}

TEST(WorkingDaysTest, AddsWeekdays) {
  auto add = [](const char* d, int64_t n) { return format_date(add_working_days(date(d), n, true)); };
  EXPECT_EQ(add("2024-01-05", 1), "2024-01-08");   // Fri + 1 = Mon
  EXPECT_EQ(add("2024-01-06", 1), "2024-01-08");   // Sat + 1 = Mon
  EXPECT_EQ(add("2024-01-07", 1), "2024-01-08");   // Sun + 1 = Mon
  EXPECT_EQ(add("2024-01-06", -1), "2024-01-05");  // Sat - 1 = Fri
  EXPECT_EQ(add("2024-01-08", -1), "2024-01-05");  // Mon - 1 = Fri
  EXPECT_EQ(add("2024-01-06", 0), "2024-01-06");   // + 0 keeps a weekend date
  EXPECT_EQ(add("2024-01-03", 10), "2024-01-17");  // Wed + two weeks
  EXPECT_EQ(add("2024-01-17", -10), "2024-01-03");
  EXPECT_EQ(add("2024-12-31", 3), "2025-01-03");   // over New Year
  EXPECT_EQ(add("2025-01-01", -3), "2024-12-27");  // and back
  EXPECT_EQ(add("2024-02-28", 1), "2024-02-29");   // a leap day is a Thursday
  EXPECT_EQ(add("2024-02-29", 1), "2024-03-01");
  EXPECT_EQ(add("2024-01-01", 262), "2025-01-01");
  // Without weekends skipped: days.
  EXPECT_EQ(format_date(add_working_days(date("2024-02-28"), 2, false)), "2024-03-01");
  EXPECT_EQ(format_date(add_working_days(date("2023-02-28"), 1, false)), "2023-03-01");
  EXPECT_EQ(format_date(add_working_days(date("2024-01-06"), -6, false)), "2023-12-31");
  EXPECT_EQ(format_date(add_working_days(date("2000-02-28"), 366, false)), "2001-02-28");
}

TEST(WorkingDaysTest, MatchesADayByDayWalk) {
  CivilDate first = date("2023-11-20");
  for (int64_t i = 0; i < 500; ++i) {
    CivilDate a = add_days(first, i);
    for (int64_t n = -25; n <= 25; ++n) {
      ASSERT_EQ(add_working_days(a, n, true), walk_add(a, n)) << format_date(a) << " + " << n;
    }
    for (int64_t j = -20; j <= 20; ++j) {
      CivilDate b = add_days(a, j);
      ASSERT_EQ(working_days_between(a, b, true), walk_between(a, b))
          << format_date(a) << " .. " << format_date(b);
    }
  }
}

TEST(WorkingDaysTest, AddingTheCountBetweenLandsOnTheWeekday) {
  // Every pair within 100 days of each other over two years, from any day
  // (weekends included) to any weekday.
  CivilDate first = date("2023-06-01");
  for (int64_t i = 0; i < 731; ++i) {
    CivilDate a = add_days(first, i);
    for (int64_t j = -100; j <= 100; ++j) {
      CivilDate b = add_days(a, j);
      int64_t n = working_days_between(a, b, true);
      if (!is_weekend(b)) {
        ASSERT_EQ(add_working_days(a, n, true), b) << format_date(a) << " -> " << format_date(b);
      }
      if (!is_weekend(a) && !is_weekend(b)) {
        ASSERT_EQ(working_days_between(b, a, true), -n);
      }
      ASSERT_EQ(add_working_days(a, working_days_between(a, b, false), false), b);
    }
  }
  // Pairs far apart across the whole range.
  uint64_t state = 42;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((state >> 33) % bound);
  };
  for (int k = 0; k < 100000; ++k) {
    CivilDate a = civil_from_days(next(2932897));
    CivilDate b = civil_from_days(next(2932897));
    if (is_weekend(b)) continue;
    ASSERT_EQ(add_working_days(a, working_days_between(a, b, true), true), b)
        << format_date(a) << " -> " << format_date(b);
  }
}

TEST(WorkingDaysTest, WeekendTargetLandsOnTheLastWeekdayBefore) {
  // Mon -> Sat counts Tue..Fri: adding it back lands on the Friday.
  EXPECT_EQ(working_days_between(date("2024-01-01"), date("2024-01-06"), true), 4);
  EXPECT_EQ(add_working_days(date("2024-01-01"), 4, true), date("2024-01-05"));
  // Fri -> Sun counts nothing: adding 0 stays on the Friday.
  EXPECT_EQ(add_working_days(date("2024-01-05"),
                             working_days_between(date("2024-01-05"), date("2024-01-07"), true), true),
            date("2024-01-05"));
}

TEST(WorkingDaysTest, HugeDeltasAreClampedNotOverflowed) {
  CivilDate d = date("2024-01-01");
  CivilDate far = add_working_days(d, std::numeric_limits<int64_t>::max(), true);
  EXPECT_FALSE(is_valid(far));
  EXPECT_GT(far.year, kMaxYear);
  EXPECT_EQ(far, add_working_days(d, kMaxDayDelta, true));
  CivilDate past = add_working_days(d, std::numeric_limits<int64_t>::min(), true);
  EXPECT_LT(past.year, kMinYear);
  EXPECT_EQ(add_days(d, std::numeric_limits<int64_t>::min()), add_days(d, -kMaxDayDelta));
  EXPECT_EQ(add_working_days(d, std::numeric_limits<int64_t>::max(), false), add_days(d, kMaxDayDelta));
}

}  // namespace
}  // namespace sundial::graph
