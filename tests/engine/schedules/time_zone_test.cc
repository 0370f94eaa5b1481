#include "engine/schedules/time_zone.h"

#include <gtest/gtest.h>

#include <chrono>

namespace sundial {
namespace {

// 2026-03-29T01:00:00Z in ms: Paris springs forward from 02:00 CET to 03:00 CEST.
constexpr TimeMs kParisSpring = 1774746000000;
// 2026-10-25T01:00:00Z: Paris falls back from 03:00 CEST to 02:00 CET.
constexpr TimeMs kParisFall = 1792890000000;
// Local wall-clock seconds of 2026-03-29 02:30 and 2026-10-25 02:30.
constexpr int64_t kSpringLocal230 = 1774751400;
constexpr int64_t kFallLocal230 = 1792895400;

TEST(TimeZoneTest, FindsZonesByName) {
  auto paris = TimeZone::find("Europe/Paris");
  ASSERT_TRUE(paris) << paris.error().message;
  EXPECT_EQ(paris->name(), "Europe/Paris");
  auto eastern = TimeZone::find("US/Eastern");  // a link keeps its own name
  ASSERT_TRUE(eastern);
  EXPECT_EQ(eastern->name(), "US/Eastern");
  EXPECT_EQ(TimeZone::utc().name(), "UTC");
  EXPECT_EQ(*TimeZone::find("UTC"), TimeZone::utc());
  EXPECT_FALSE(*paris == TimeZone::utc());
}

TEST(TimeZoneTest, RejectsUnknownAndEmptyNames) {
  auto unknown = TimeZone::find("Nope/Zone");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(unknown.error().message.rfind("unknown time zone \"Nope/Zone\"", 0), 0u)
      << unknown.error().message;

  auto typo = TimeZone::find("Europe/Pariss");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message, "unknown time zone \"Europe/Pariss\"; did you mean \"Europe/Paris\"?");
  auto lower = TimeZone::find("europe/paris");  // names are case-sensitive
  ASSERT_FALSE(lower);
  EXPECT_NE(lower.error().message.find("did you mean \"Europe/Paris\"?"), std::string::npos);

  auto empty = TimeZone::find("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  // Not a path into the zoneinfo directory.
  EXPECT_FALSE(TimeZone::find("../../etc/passwd"));
  EXPECT_FALSE(TimeZone::find("/Europe/Paris"));
  // A name from untrusted input that is far too long is refused without
  // the "did you mean" search (its cost grows with the length).
  auto huge = TimeZone::find(std::string(1 << 20, 'x'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, "time zone name is longer than 64 bytes");
}

TEST(TimeZoneTest, ReadsLocalTimeAndOffsets) {
  auto paris = *TimeZone::find("Europe/Paris");
  EXPECT_EQ(paris.utc_offset_seconds(kParisSpring - 1), 3600);
  EXPECT_EQ(paris.utc_offset_seconds(kParisSpring), 7200);
  EXPECT_EQ(paris.local_seconds(kParisSpring - 1000), kParisSpring / 1000 - 1 + 3600);  // 01:59:59
  EXPECT_EQ(paris.local_seconds(kParisSpring), kParisSpring / 1000 + 7200);             // 03:00:00
  EXPECT_EQ(paris.local_seconds(kParisSpring + 999), kParisSpring / 1000 + 7200);       // rounded down
  EXPECT_EQ(paris.local_seconds(-1), -1 + 3600);                                        // 1970, before zero
  auto kolkata = *TimeZone::find("Asia/Kolkata");
  EXPECT_EQ(kolkata.utc_offset_seconds(kParisSpring), 5 * 3600 + 1800);
  EXPECT_EQ(TimeZone::utc().local_seconds(kParisSpring), kParisSpring / 1000);
}

TEST(TimeZoneTest, ResolvesGapsToTheirEndAndRepeatsToTheFirstPass) {
  auto paris = *TimeZone::find("Europe/Paris");
  // 02:30 does not exist on 2026-03-29: the gap ends at 01:00Z.
  EXPECT_EQ(paris.resolve_local(kSpringLocal230), kParisSpring);
  EXPECT_EQ(paris.resolve_local(kSpringLocal230 - 1800), kParisSpring);         // 02:00 too
  EXPECT_EQ(paris.resolve_local(kSpringLocal230 - 1801), kParisSpring - 1000);  // 01:59:59 CET
  EXPECT_EQ(paris.resolve_local(kSpringLocal230 + 1800), kParisSpring);         // 03:00 CEST
  // 02:30 happens twice on 2026-10-25: the CEST one (00:30Z) counts.
  EXPECT_EQ(paris.resolve_local(kFallLocal230), kParisFall - 1800 * 1000);
  EXPECT_EQ(paris.resolve_local(kFallLocal230 + 1800), kParisFall + 3600 * 1000);  // 03:00 CET
  // Monotone across both changes.
  for (int64_t base : {kSpringLocal230, kFallLocal230}) {
    TimeMs previous = paris.resolve_local(base - 3 * 3600);
    for (int64_t l = base - 3 * 3600; l < base + 3 * 3600; l += 60) {
      TimeMs r = paris.resolve_local(l);
      EXPECT_GE(r, previous);
      previous = r;
    }
  }
}

TEST(TimeZoneTest, WarmsEveryZone) {
  auto start = std::chrono::steady_clock::now();
  size_t zones = warm_time_zones();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_GT(zones, 300u);
  RecordProperty("warm_time_zones_ms", static_cast<int>(ms.count()));
  // A warm lookup reads no file; still answers.
  EXPECT_TRUE(TimeZone::find("Pacific/Chatham"));
}

}  // namespace
}  // namespace sundial
