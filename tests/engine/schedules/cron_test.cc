#include "engine/schedules/cron.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/support/iso_time.h"

namespace sundial {
namespace {

using testing::iso_ms;
using testing::iso_text;

struct CronNextCase {
  const char* expr;
  const char* zone;
  const char* after;
  const char* expected;  // "" = none within 8 years
};

// Expected answers were worked out by hand and checked by an independent
// brute force over Python's zoneinfo (local times, fold=0, gaps to their end).
// 2026-01-01 is a Thursday. Paris: +1, +2 from 2026-03-29T01:00Z to
// 2026-10-25T01:00Z. New York: -5, -4 from 2026-03-08T07:00Z to
// 2026-11-01T06:00Z. Sydney: +11 until 2026-04-04T16:00Z, +10 until
// 2026-10-03T16:00Z. Lord Howe: +11 / +10:30 (a 30-minute shift).
const CronNextCase kNextCases[] = {
    // Plain fields, lists, ranges, steps (UTC).
    {"* * * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    {"* * * * *", "UTC", "2026-01-01T00:00:30.500Z", "2026-01-01T00:01:00Z"},
    {"* * * * *", "UTC", "2026-01-01T00:00:59.999Z", "2026-01-01T00:01:00Z"},
    {"0 * * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
    {"*/15 * * * *", "UTC", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z"},
    {"*/15 * * * *", "UTC", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"},
    {"5-10/2 * * * *", "UTC", "2026-01-01T00:07:00Z", "2026-01-01T00:09:00Z"},
    {"5-10/2 * * * *", "UTC", "2026-01-01T00:09:00Z", "2026-01-01T01:05:00Z"},
    {"1,5,10-20/2 * * * *", "UTC", "2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z"},
    {"1,5,10-20/2 * * * *", "UTC", "2026-01-01T00:20:00Z", "2026-01-01T01:01:00Z"},
    {"50/5 * * * *", "UTC", "2026-01-01T00:56:00Z", "2026-01-01T01:50:00Z"},
    {"0-59/30 * * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"},
    {"00 09 * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T09:00:00Z"},
    {"  0   9\t* * *  ", "UTC", "2026-01-01T09:00:00Z", "2026-01-02T09:00:00Z"},
    {"30 9 * * *", "UTC", "2026-01-01T09:30:00Z", "2026-01-02T09:30:00Z"},
    {"30 9 * * *", "UTC", "2026-01-01T09:29:59.999Z", "2026-01-01T09:30:00Z"},
    {"0 0-23/6 * * *", "UTC", "2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z"},
    {"0 22/3 * * *", "UTC", "2026-01-01T22:00:00Z", "2026-01-02T22:00:00Z"},
    {"59 23 * * *", "UTC", "2026-01-01T23:59:00Z", "2026-01-02T23:59:00Z"},
    {"0 0 1 * *", "UTC", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 */2 * *", "UTC", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 10-12 * *", "UTC", "2026-01-12T00:00:00Z", "2026-02-10T00:00:00Z"},
    {"0 0 1 1 *", "UTC", "2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z"},
    {"0 0 * * *", "UTC", "1970-01-01T00:00:00Z", "1970-01-02T00:00:00Z"},
    {"0 0 * * *", "UTC", "1969-12-31T12:00:00.250Z", "1970-01-01T00:00:00Z"},
    // Months: numbers, names, ranges, steps.
    {"0 0 1 JAN-MAR *", "UTC", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"0 0 1 jun *", "UTC", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"},
    {"0 0 1 Sep,dec *", "UTC", "2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z"},
    {"0 0 1 */3 *", "UTC", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"},
    {"0 0 1 2/5 *", "UTC", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z"},
    {"0 0 * 2 *", "UTC", "2027-02-28T00:00:00Z", "2028-02-01T00:00:00Z"},
    {"0 0 * 2 *", "UTC", "2028-02-28T00:00:00Z", "2028-02-29T00:00:00Z"},
    // Days of week: numbers, 7 = Sunday, names, ranges, steps.
    {"0 0 * * FRI", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 * * 0", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"0 0 * * 7", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"0 0 * * MON-FRI", "UTC", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 * * mon-fri", "UTC", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"},
    {"0 0 * * 5-7", "UTC", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"},
    {"0 0 * * sat,Sun", "UTC", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},
    {"0 12 * * 1/2", "UTC", "2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z"},
    {"0 12 * * */3", "UTC", "2026-01-01T12:00:00Z", "2026-01-03T12:00:00Z"},
    {"0 0 ? * 5", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    // Day of month OR day of week when both are restricted.
    {"0 0 13 * FRI", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 13 * FRI", "UTC", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z"},
    {"0 0 13 * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z"},
    {"0 0 13 * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z"},
    {"0 0 1 * MON", "UTC", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 1 * MON", "UTC", "2026-01-26T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 1-7 * MON", "UTC", "2026-01-07T00:00:00Z", "2026-01-12T00:00:00Z"},
    {"0 0 */2 * MON", "UTC", "2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z"},
    {"0 0 L * 1", "UTC", "2026-01-27T00:00:00Z", "2026-01-31T00:00:00Z"},
    {"0 0 13 2 FRI", "UTC", "2026-01-01T00:00:00Z", "2026-02-06T00:00:00Z"},
    // L: the last day of the month.
    {"0 0 L * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z"},
    {"0 0 L * *", "UTC", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z"},
    {"0 0 l * *", "UTC", "2026-07-01T00:00:00Z", "2026-07-31T00:00:00Z"},
    {"0 0 L 2 *", "UTC", "2027-01-01T00:00:00Z", "2027-02-28T00:00:00Z"},
    {"0 0 L 2 *", "UTC", "2028-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 L 2 *", "UTC", "2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"},
    {"0 0 L 4 *", "UTC", "2026-01-01T00:00:00Z", "2026-04-30T00:00:00Z"},
    {"0 0 L 9,11 *", "UTC", "2026-10-01T00:00:00Z", "2026-11-30T00:00:00Z"},
    {"0 0 L 12 *", "UTC", "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"},
    {"0 0 1,L * *", "UTC", "2026-04-01T00:00:00Z", "2026-04-30T00:00:00Z"},
    {"0 0 1,L * *", "UTC", "2026-04-30T00:00:00Z", "2026-05-01T00:00:00Z"},
    {"0 0 15,L * *", "UTC", "2026-06-15T00:00:00Z", "2026-06-30T00:00:00Z"},
    {"0 0 L 2 ?", "UTC", "2026-03-01T00:00:00Z", "2027-02-28T00:00:00Z"},
    // Leap days.
    {"0 0 29 2 *", "UTC", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 29 2 *", "UTC", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"},
    {"0 0 29 FEB *", "America/New_York", "2025-01-01T00:00:00Z", "2028-02-29T05:00:00Z"},
    {"0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z"},
    {"0 0 30 * *", "UTC", "2026-01-30T00:00:00Z", "2026-03-30T00:00:00Z"},
    // Macros.
    {"@yearly", "UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"@annually", "UTC", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"@monthly", "UTC", "2026-01-31T12:00:00Z", "2026-02-01T00:00:00Z"},
    {"@weekly", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"@daily", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"@DAILY", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"@midnight", "UTC", "2026-01-01T23:59:59Z", "2026-01-02T00:00:00Z"},
    {"@hourly", "UTC", "2026-01-01T00:59:59.999Z", "2026-01-01T01:00:00Z"},
    {" @hourly ", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"},
    {"@daily", "Europe/Paris", "2026-01-01T00:00:00Z", "2026-01-01T23:00:00Z"},
    // Six fields: seconds first.
    {"*/10 * * * * *", "UTC", "2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z"},
    {"* * * * * *", "UTC", "2026-01-01T00:00:00.500Z", "2026-01-01T00:00:01Z"},
    {"30 0 0 * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z"},
    {"0 0 12 * * ?", "UTC", "2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z"},
    {"15,45 * * * * *", "UTC", "2026-01-01T00:00:45Z", "2026-01-01T00:01:15Z"},
    {"59 * * * * *", "UTC", "2026-01-01T00:00:59Z", "2026-01-01T00:01:59Z"},
    {"59 59 23 31 12 *", "UTC", "2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z"},
    {"0 0 0 29 2 ?", "UTC", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 9 * * MON-FRI", "Europe/Paris", "2026-01-02T08:00:00Z", "2026-01-05T08:00:00Z"},
    // Europe/Paris: spring forward 2026-03-29 02:00 CET -> 03:00 CEST.
    {"30 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"30 2 * * *", "Europe/Paris", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
    {"0 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"0,30 2 * * *", "Europe/Paris", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z"},
    {"0,30 2 * * *", "Europe/Paris", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"},
    {"0 3 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"0 3 * * *", "Europe/Paris", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"},
    {"0 * * * *", "Europe/Paris", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"},
    {"0 * * * *", "Europe/Paris", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
    {"0 9 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", "2026-03-29T07:00:00Z"},
    {"0 9 * * *", "Europe/Paris", "2026-01-01T00:00:00Z", "2026-01-01T08:00:00Z"},
    {"0 30 2 * * *", "Europe/Paris", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"},
    {"0 12 * * 0", "Europe/Paris", "2026-03-29T09:00:00Z", "2026-03-29T10:00:00Z"},
    {"0 0 L * *", "Europe/Paris", "2026-12-31T00:00:00Z", "2027-01-30T23:00:00Z"},
    // Europe/Paris: fall back 2026-10-25 03:00 CEST -> 02:00 CET.
    {"30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
    {"30 2 * * *", "Europe/Paris", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
    {"30 1 * * *", "Europe/Paris", "2026-10-24T12:00:00Z", "2026-10-24T23:30:00Z"},
    {"*/15 * * * *", "Europe/Paris", "2026-10-25T00:50:00Z", "2026-10-25T02:00:00Z"},
    {"*/15 * * * *", "Europe/Paris", "2026-10-25T01:10:00Z", "2026-10-25T02:00:00Z"},
    {"0 * * * *", "Europe/Paris", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"},
    {"*/20 * * * * *", "Europe/Paris", "2026-10-25T01:59:50Z", "2026-10-25T02:00:00Z"},
    // America/New_York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT.
    {"30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"},
    {"30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"},
    {"0 9 * * MON-FRI", "America/New_York", "2026-03-06T15:00:00Z", "2026-03-09T13:00:00Z"},
    {"59 1 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T06:59:00Z"},
    // America/New_York: fall back 2026-11-01 02:00 EDT -> 01:00 EST.
    {"30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"},
    {"30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
    {"0 */2 * * *", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"},
    {"0 0 * * *", "America/New_York", "2026-11-01T03:00:00Z", "2026-11-01T04:00:00Z"},
    {"*/20 1 * * *", "America/New_York", "2026-11-01T05:45:00Z", "2026-11-02T06:00:00Z"},
    {"*/20 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", "2026-11-02T06:00:00Z"},
    // Australia/Sydney (southern hemisphere): DST ends 2026-04-05 03:00
    // AEDT -> 02:00 AEST and starts 2026-10-04 02:00 AEST -> 03:00 AEDT.
    {"30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z", "2026-10-03T16:00:00Z"},
    {"30 2 * * *", "Australia/Sydney", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"},
    {"30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", "2026-04-04T15:30:00Z"},
    {"30 2 * * *", "Australia/Sydney", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"},
    {"0 * * * *", "Australia/Sydney", "2026-04-04T15:00:00Z", "2026-04-04T17:00:00Z"},
    {"0 9 * * *", "Australia/Sydney", "2026-01-01T00:00:00Z", "2026-01-01T22:00:00Z"},
    {"0 9 * * *", "Australia/Sydney", "2026-07-01T00:00:00Z", "2026-07-01T23:00:00Z"},
    {"0 0 1 * *", "Australia/Sydney", "2026-01-01T00:00:00Z", "2026-01-31T13:00:00Z"},
    {"@yearly", "Australia/Sydney", "2026-06-01T00:00:00Z", "2026-12-31T13:00:00Z"},
    // Zones with half- and quarter-hour offsets, and a 30-minute DST shift.
    {"0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01T03:30:00Z"},
    {"30 23 * * *", "Asia/Kolkata", "2026-03-29T00:00:00Z", "2026-03-29T18:00:00Z"},
    {"0 0 L 2 *", "Asia/Kolkata", "2028-01-01T00:00:00Z", "2028-02-28T18:30:00Z"},
    {"0 0 * * *", "Asia/Kathmandu", "2026-01-01T00:00:00Z", "2026-01-01T18:15:00Z"},
    {"30 2 * * *", "Australia/Adelaide", "2026-10-03T00:00:00Z", "2026-10-03T16:30:00Z"},
    {"15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z"},
    {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z"},
    {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"},
    // Never: no such day within 8 years.
    {"0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", ""},
    {"0 0 31 2 *", "Europe/Paris", "2026-01-01T00:00:00Z", ""},
    {"0 0 31 4,6,9,11 *", "UTC", "2026-01-01T00:00:00Z", ""},
    {"0 0 0 31 JUN ?", "America/New_York", "2026-01-01T00:00:00Z", ""},
    {"0 0 30 FEB ?", "Australia/Sydney", "2026-01-01T00:00:00Z", ""},
};

TEST(CronNextTest, KnownAnswers) {
  int checked = 0;
  for (const auto& c : kNextCases) {
    SCOPED_TRACE(std::string(c.expr) + " in " + c.zone + " after " + c.after);
    auto expr = CronExpr::parse(c.expr);
    ASSERT_TRUE(expr) << expr.error().message;
    auto zone = TimeZone::find(c.zone);
    ASSERT_TRUE(zone) << zone.error().message;
    auto next = expr->next(iso_ms(c.after), *zone);
    std::string expected = *c.expected ? c.expected : "none";
    EXPECT_EQ(iso_text(next), expected);
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

struct CronPrevCase {
  const char* expr;
  const char* zone;
  const char* at_or_before;
  const char* expected;  // "" = none within 8 years
};

const CronPrevCase kPrevCases[] = {
    {"0 9 * * *", "UTC", "2026-01-02T09:00:00Z", "2026-01-02T09:00:00Z"},
    {"0 9 * * *", "UTC", "2026-01-02T08:59:59.999Z", "2026-01-01T09:00:00Z"},
    {"0 9 * * *", "UTC", "2026-01-02T09:00:00.999Z", "2026-01-02T09:00:00Z"},
    {"*/15 * * * *", "UTC", "2026-01-01T00:14:00Z", "2026-01-01T00:00:00Z"},
    {"0 0 L * *", "UTC", "2026-03-15T00:00:00Z", "2026-02-28T00:00:00Z"},
    {"0 0 L 2 *", "UTC", "2028-12-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 29 2 *", "UTC", "2027-06-01T00:00:00Z", "2024-02-29T00:00:00Z"},
    {"0 0 13 * FRI", "UTC", "2026-01-12T00:00:00Z", "2026-01-09T00:00:00Z"},
    {"@yearly", "UTC", "2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z"},
    {"*/10 * * * * *", "UTC", "2026-01-01T00:00:09Z", "2026-01-01T00:00:00Z"},
    {"0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", ""},
    // DST: the gap fires at its end, a repeated time at its first pass.
    {"30 2 * * *", "Europe/Paris", "2026-03-29T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"30 2 * * *", "Europe/Paris", "2026-10-25T01:45:00Z", "2026-10-25T00:30:00Z"},
    {"*/15 * * * *", "Europe/Paris", "2026-10-25T01:10:00Z", "2026-10-25T00:45:00Z"},
    {"*/15 * * * *", "Europe/Paris", "2026-10-25T01:59:59Z", "2026-10-25T00:45:00Z"},
    {"@hourly", "America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T05:00:00Z"},
    {"30 2 * * *", "Australia/Sydney", "2026-10-04T00:00:00Z", "2026-10-03T16:00:00Z"},
    {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T15:20:00Z", "2026-04-04T14:45:00Z"},
};

TEST(CronPrevTest, KnownAnswers) {
  for (const auto& c : kPrevCases) {
    SCOPED_TRACE(std::string(c.expr) + " in " + c.zone + " at or before " + c.at_or_before);
    auto expr = CronExpr::parse(c.expr);
    ASSERT_TRUE(expr) << expr.error().message;
    auto zone = TimeZone::find(c.zone);
    ASSERT_TRUE(zone) << zone.error().message;
    std::string expected = *c.expected ? c.expected : "none";
    EXPECT_EQ(iso_text(expr->prev(iso_ms(c.at_or_before), *zone)), expected);
  }
}

// prev and next agree, and iterating next moves forwards, for random
// expressions in zones with DST (including a 30-minute shift) and without.
TEST(CronPropertyTest, NextAndPrevAgree) {
  std::mt19937_64 rng(20260329);
  auto pick = [&](std::vector<const char*> options) { return std::string(options[rng() % options.size()]); };
  const char* zones[] = {
      "UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"};
  std::vector<TimeZone> tz;
  for (const char* z : zones) tz.push_back(*TimeZone::find(z));
  const TimeMs from = iso_ms("2026-01-01T00:00:00Z");
  const TimeMs span = iso_ms("2030-01-01T00:00:00Z") - from;
  int defined = 0;
  for (int i = 0; i < 300; ++i) {
    std::string text;
    if (rng() % 3 == 0) text = pick({"*/7", "0", "13,47", "*", "5-59/20"}) + " ";
    text += pick({"*", "0", "*/15", "30", "0,30", "5-10", "59"}) + " ";
    text += pick({"*", "2", "1-3", "*/5", "0,12", "23", "2,3"}) + " ";
    text += pick({"*", "?", "1", "L", "15,L", "29", "31", "*/10", "30"}) + " ";
    text += pick({"*", "2", "MAR,OCT", "*/4", "11-12", "4"}) + " ";
    text += pick({"*", "?", "0", "MON-FRI", "6", "1,3"});
    auto expr = CronExpr::parse(text);
    ASSERT_TRUE(expr) << text << ": " << expr.error().message;
    const TimeZone& zone = tz[rng() % tz.size()];
    TimeMs t = from + static_cast<TimeMs>(rng() % static_cast<uint64_t>(span));
    if (rng() % 2) t -= t % 1000;
    SCOPED_TRACE(text + " in " + zone.name() + " at " + iso_text(t));
    auto next = expr->next(t, zone);
    if (next) {
      ++defined;
      EXPECT_GT(*next, t);
      EXPECT_EQ(*next % 1000, 0);
      EXPECT_EQ(expr->prev(*next, zone), next);
      EXPECT_EQ(expr->prev(*next - 1, zone), expr->prev(t, zone));
      TimeMs previous = *next;
      for (int k = 0; k < 5; ++k) {
        auto later = expr->next(previous, zone);
        if (!later) break;
        EXPECT_GT(*later, previous);
        EXPECT_EQ(expr->prev(*later - 1, zone), previous);
        previous = *later;
      }
    }
    auto prev = expr->prev(t, zone);
    if (prev) {
      EXPECT_LE(*prev, t);
      EXPECT_EQ(expr->next(*prev - 1, zone), prev);
      EXPECT_EQ(expr->next(*prev, zone), next);
    }
  }
  EXPECT_GT(defined, 200);
}

// next() against a reference that walks instants instead of local times:
// an instant fires when a matching local minute is reached for the first
// time there, i.e. lies in (the latest local time seen before it, its own
// local time]. A gap's skipped minutes are first reached where it ends; a
// repeated hour's minutes were reached before. Times near DST changes.
TEST(CronPropertyTest, NextMatchesAnInstantWalk) {
  std::mt19937_64 rng(20261025);
  struct Change {
    const char* zone;
    const char* at;
  };
  const Change changes[] = {
      {"Europe/Paris", "2026-03-29T01:00:00Z"},        {"Europe/Paris", "2026-10-25T01:00:00Z"},
      {"America/New_York", "2026-03-08T07:00:00Z"},    {"America/New_York", "2026-11-01T06:00:00Z"},
      {"Australia/Sydney", "2026-04-04T16:00:00Z"},    {"Australia/Sydney", "2026-10-03T16:00:00Z"},
      {"Australia/Lord_Howe", "2026-04-04T15:00:00Z"}, {"Australia/Lord_Howe", "2026-10-03T15:30:00Z"},
      {"Asia/Kolkata", "2026-06-01T00:00:00Z"},
  };
  const std::vector<std::vector<int>> minute_sets = {{0},      {30}, {0, 30}, {15, 45}, {59}, {0, 15, 30, 45},
                                                     {5, 6, 7}};
  const std::vector<std::vector<int>> hour_sets = {{0},     {1}, {2}, {3}, {1, 2}, {2, 3}, {0, 1, 2, 3, 4},
                                                   {12, 23}};
  const char* day_fields[] = {"* * *", "* * SUN", "L * *", "29 * *", "1-10 * MON", "* MAR,APR,OCT,NOV *"};
  auto join = [](const std::vector<int>& values) {
    std::string out;
    for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
    return out;
  };
  for (int i = 0; i < 120; ++i) {
    const Change& change = changes[rng() % std::size(changes)];
    const auto& minutes = minute_sets[rng() % minute_sets.size()];
    const auto& hours = hour_sets[rng() % hour_sets.size()];
    std::string text = join(minutes) + " " + join(hours) + " " + day_fields[rng() % std::size(day_fields)];
    auto expr = *CronExpr::parse(text);
    auto zone = *TimeZone::find(change.zone);
    TimeMs t = iso_ms(change.at) + static_cast<TimeMs>(rng() % (12 * kHourMs)) - 6 * kHourMs;
    SCOPED_TRACE(text + " in " + zone.name() + " after " + iso_text(t));
    auto local_minute_matches = [&](int64_t local_s) {
      int64_t day = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
      int64_t in_day = local_s - day * 86400;
      date::year_month_day ymd{date::sys_days{date::days{static_cast<int>(day)}}};
      int hour = static_cast<int>(in_day / 3600);
      int minute = static_cast<int>(in_day / 60 % 60);
      return std::find(hours.begin(), hours.end(), hour) != hours.end() &&
             std::find(minutes.begin(), minutes.end(), minute) != minutes.end() &&
             expr.day_matches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()));
    };
    TimeMs u = (t / kMinuteMs) * kMinuteMs - 4 * kHourMs;
    int64_t latest_local = zone.local_seconds(u);
    std::optional<TimeMs> expected;
    for (u += kMinuteMs; u <= t + 26 * kHourMs && !expected; u += kMinuteMs) {
      int64_t local = zone.local_seconds(u);
      for (int64_t l = latest_local + 60; l <= local; l += 60) {
        if (u > t && local_minute_matches(l)) {
          expected = u;
          break;
        }
      }
      latest_local = std::max(latest_local, local);
    }
    auto next = expr.next(t, zone);
    if (expected) {
      EXPECT_EQ(iso_text(next), iso_text(expected));
    } else if (next) {
      EXPECT_GT(*next, t + 26 * kHourMs - kMinuteMs);
    }
  }
}

TEST(CronPropertyTest, ExtremeInstantsHaveNoFireTimes) {
  auto expr = *CronExpr::parse("* * * * *");
  auto utc = TimeZone::utc();
  EXPECT_EQ(expr.next(std::numeric_limits<TimeMs>::max(), utc), std::nullopt);
  EXPECT_EQ(expr.prev(std::numeric_limits<TimeMs>::max(), utc), std::nullopt);
  EXPECT_EQ(expr.next(std::numeric_limits<TimeMs>::min(), utc), std::nullopt);
  EXPECT_EQ(expr.prev(std::numeric_limits<TimeMs>::min(), utc), std::nullopt);
  EXPECT_EQ(iso_text(expr.next(iso_ms("9999-12-31T23:58:00Z") - 1, utc)),
            "9999-12-31T23:58:00Z");
  EXPECT_EQ(iso_text(expr.prev(iso_ms("0001-01-01T00:01:00Z"), utc)), "0001-01-01T00:01:00Z");
}

// Random text never crashes the parser, and whatever parses can be asked.
TEST(CronParseTest, SurvivesRandomText) {
  std::mt19937_64 rng(16);
  const std::string alphabet = "0123456789*/,-?LW#@MONJAFRIdaily";
  auto paris = *TimeZone::find("Europe/Paris");
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    // 4 to 7 fields, each mostly a plausible piece, else up to 4 random characters.
    const char* pieces[] = {"*", "1", "*/5", "1-3", "2,4", "L", "MON", "?", "5/7"};
    std::string text;
    for (size_t field = 4 + rng() % 4; field > 0; --field) {
      if (rng() % 5) {
        text += pieces[rng() % std::size(pieces)];
      } else {
        for (size_t n = 1 + rng() % 4; n > 0; --n) text += alphabet[rng() % alphabet.size()];
      }
      text += rng() % 8 ? " " : " \t";
    }
    auto expr = CronExpr::parse(text);
    if (!expr) {
      EXPECT_EQ(expr.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(expr.error().message.rfind("cron: ", 0), 0u) << text;
      continue;
    }
    ++parsed;
    auto next = expr->next(iso_ms("2026-10-25T00:00:00Z"), paris);
    if (next) {
      EXPECT_EQ(expr->prev(*next, paris), next) << text;
    }
  }
  EXPECT_GT(parsed, 100);
}

TEST(CronParseTest, KeepsTextTrimmedAndKnowsTheForm) {
  auto five = CronExpr::parse("  0 9 * * MON-FRI\t\n");
  ASSERT_TRUE(five);
  EXPECT_EQ(five->text(), "0 9 * * MON-FRI");
  EXPECT_FALSE(five->has_seconds());
  auto six = CronExpr::parse("0 0 9 * * ?");
  ASSERT_TRUE(six);
  EXPECT_TRUE(six->has_seconds());
  auto macro = CronExpr::parse("@Weekly ");
  ASSERT_TRUE(macro);
  EXPECT_EQ(macro->text(), "@Weekly");
  EXPECT_FALSE(macro->has_seconds());
  // 100,000 schedules stay a few megabytes.
  EXPECT_LE(sizeof(CronExpr), 64u);
}

TEST(CronParseTest, DayMatchesUsesTheCalendar) {
  auto expr = *CronExpr::parse("0 0 L 2 *");
  EXPECT_TRUE(expr.day_matches(2028, 2, 29));
  EXPECT_FALSE(expr.day_matches(2028, 2, 28));
  EXPECT_TRUE(expr.day_matches(2027, 2, 28));
  EXPECT_FALSE(expr.day_matches(2027, 2, 29));  // no such day
  EXPECT_FALSE(expr.day_matches(2027, 3, 31));
}

struct CronBadCase {
  const char* expr;
  const char* message;  // the whole message
};

const CronBadCase kBadCases[] = {
    {"", "cron: at position 1: the expression is empty"},
    {"  \t ", "cron: at position 1: the expression is empty"},
    {"0 25 * * *", "cron: hour at position 3: 25 is out of range 0-23"},
    {"*/5 25 * * *", "cron: hour at position 5: 25 is out of range 0-23"},
    {"60 * * * *", "cron: minute at position 1: 60 is out of range 0-59"},
    {"60 * * * * *", "cron: second at position 1: 60 is out of range 0-59"},
    {"* * 0 * *", "cron: day of month at position 5: 0 is out of range 1-31"},
    {"* * 1-32 * *", "cron: day of month at position 7: 32 is out of range 1-31"},
    {"* * * 13 *", "cron: month at position 7: 13 is out of range 1-12"},
    {"* * * 0 *", "cron: month at position 7: 0 is out of range 1-12"},
    {"* * * * 8", "cron: day of week at position 9: 8 is out of range 0-7"},
    {"99999999999 * * * *", "cron: minute at position 1: 99999999999 is out of range 0-59"},
    {"* * * *",
     "cron: at position 8: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds "
     "first), "
     "got 4"},
    {"* * * * * * *", "cron: year at position 13: a 7th field (year) is not supported"},
    {"* * * * * * * *",
     "cron: at position 15: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds "
     "first), got 8"},
    {"*/0 * * * *", "cron: minute at position 3: step 0 is not allowed (it must be at least 1)"},
    {"0 0 1 */0 *", "cron: month at position 9: step 0 is not allowed (it must be at least 1)"},
    {"*/61 * * * *", "cron: minute at position 3: step 61 is out of range 1-60"},
    {"*/ * * * *", "cron: minute at position 3: missing step after /"},
    {"*/x * * * *", "cron: minute at position 3: step \"x\" is not a number"},
    {"1,,2 * * * *", "cron: minute at position 3: empty list item"},
    {"0 1, * * *", "cron: hour at position 5: empty list item"},
    {",1 * * * *", "cron: minute at position 1: empty list item"},
    {"5x * * * *", "cron: minute at position 1: \"5x\" is not a number"},
    {"0 9am * * *", "cron: hour at position 3: \"9am\" is not a number"},
    {"0 10-5 * * *", "cron: hour at position 3: range 10-5 runs backwards (write the smaller value first)"},
    {"0 0 * * FRI-MON",
     "cron: day of week at position 9: range FRI-MON runs backwards (write the smaller "
     "value first)"},
    {"0 0 * * -1", "cron: day of week at position 9: expected a number"},
    {"0 0 5- * *", "cron: day of month at position 7: expected a number"},
    {"0 0 * * MON-SUNDAY",
     "cron: day of week at position 13: unknown day of week \"SUNDAY\" (write 0-7 or "
     "SUN-SAT)"},
    {"0 0 * FOO *", "cron: month at position 7: unknown month \"FOO\" (write 1-12 or JAN-DEC)"},
    {"0 0 * * JAN", "cron: day of week at position 9: unknown day of week \"JAN\" (write 0-7 or SUN-SAT)"},
    {"0 0 MON * *", "cron: day of month at position 5: \"MON\" is not a number"},
    {"? * * * *", "cron: minute at position 1: ? is only allowed in day of month and day of week"},
    {"0 0 1,? * *", "cron: day of month at position 7: ? stands alone"},
    {"0 0 LW * *", "cron: day of month at position 5: \"LW\": W (nearest weekday) is not supported"},
    {"0 0 15W * *", "cron: day of month at position 5: \"15W\": W (nearest weekday) is not supported"},
    {"0 0 L-3 * *",
     "cron: day of month at position 5: \"L-3\" is not supported; L stands alone (the last day of the "
     "month)"},
    {"0 0 * * 5L", "cron: day of week at position 9: \"5L\": L (last weekday of the month) is not supported"},
    {"0 0 * * L", "cron: day of week at position 9: \"L\": L (last weekday of the month) is not supported"},
    {"0 0 * * 5#3",
     "cron: day of week at position 10: \"5#3\": # (nth weekday of the month) is not supported"},
    {"0 L * * *", "cron: hour at position 3: \"L\": L is not supported in hour"},
    {"@every 5m",
     "cron: at position 1: unknown macro \"@every\" (write @yearly, @annually, @monthly, @weekly, "
     "@daily, @midnight or @hourly)"},
    {"@daily 0", "cron: at position 8: @daily stands alone; remove what follows it"},
};

TEST(CronParseTest, RejectsWithFieldAndPosition) {
  for (const auto& c : kBadCases) {
    auto expr = CronExpr::parse(c.expr);
    ASSERT_FALSE(expr) << c.expr;
    EXPECT_EQ(expr.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(expr.error().message, c.message) << c.expr;
  }
}

}  // namespace
}  // namespace sundial
