#include "tools/common/time_format.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(TimeFormatTest, RelativeTimesUseTheTwoLargestAdjacentUnits) {
  TimeMs now = 1767225600000;
  EXPECT_EQ(format_relative(now + 2 * kDayMs + 3 * kHourMs + 5 * kMinuteMs, now), "in 2d 3h");
  EXPECT_EQ(format_relative(now - 5 * kMinuteMs, now), "5m ago");
  EXPECT_EQ(format_relative(now + 2 * kDayMs + 5 * kMinuteMs, now), "in 2d");
  EXPECT_EQ(format_relative(now + 90 * kSecondMs, now), "in 1m 30s");
  EXPECT_EQ(format_relative(now + 300, now), "now");
}

TEST(TimeFormatTest, AbsoluteTimesAreUtcIso8601) {
  EXPECT_EQ(format_utc(1767225600000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc(1767225600000 + kDayMs + 1234), "2026-01-02T00:00:01.234Z");
}

}  // namespace
}  // namespace sundial
