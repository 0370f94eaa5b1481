#include "engine/base/duration.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(DurationTest, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("90s"), 90 * kSecondMs);
  EXPECT_EQ(parse_duration("15m"), 15 * kMinuteMs);
  EXPECT_EQ(parse_duration("24h"), 24 * kHourMs);
  EXPECT_EQ(parse_duration("11d"), 11 * kDayMs);
  EXPECT_EQ(parse_duration("1d12h"), kDayMs + 12 * kHourMs);
  EXPECT_EQ(parse_duration("500ms"), 500);
  EXPECT_EQ(parse_duration("0s"), 0);
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "10", "s", "5x", "1.5h", "-1s", "1d 2h", "99999999999999999999d"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(bad), std::string::npos);
  }
}

TEST(DurationTest, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(90 * kSecondMs), "1m30s");
  EXPECT_EQ(format_duration(kDayMs + 12 * kHourMs), "1d12h");
  EXPECT_EQ(format_duration(1500), "1s500ms");
  EXPECT_EQ(parse_duration(format_duration(3 * kDayMs + 7)), 3 * kDayMs + 7);
}

}  // namespace
}  // namespace sundial
