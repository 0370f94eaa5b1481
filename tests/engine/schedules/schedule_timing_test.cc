// Fire times of a schedule and what a fire carries out, as pure functions
// of the spec, the cursor and a fake "now": intervals and their anchor,
// start_at and end_at, jitter, and the misfire policies.
#include <gtest/gtest.h>

#include <set>

#include "engine/schedules/schedule_action.h"
#include "engine/schedules/schedule_timing.h"

namespace sundial {
namespace {

using nlohmann::json;

constexpr TimeMs kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

ScheduleSpec parse_spec(json extra) {
  json body = {{"id", "s"}, {"action", {{"start", {{"type", "t"}}}}}};
  body.update(extra);
  auto spec = parse_schedule_spec(body);
  EXPECT_TRUE(spec) << spec.error().message;
  return *spec;
}

TEST(ScheduleTimingTest, EveryAnchorsOnTheEpochOrOnStartAt) {
  auto spec = parse_spec({{"every", "15m"}});
  EXPECT_EQ(next_nominal(spec, kT0), kT0 + 15 * kMinuteMs);
  EXPECT_EQ(next_nominal(spec, kT0 - 1), kT0);
  EXPECT_EQ(prev_nominal(spec, kT0 + 15 * kMinuteMs - 1), kT0);
  EXPECT_EQ(prev_nominal(spec, kT0), kT0);
  auto anchored = parse_spec({{"every", "15m"}, {"start_at", kT0 + 7 * kSecondMs}});
  EXPECT_EQ(next_nominal(anchored, kT0), kT0 + 7 * kSecondMs);
  EXPECT_EQ(next_nominal(anchored, kT0 + 7 * kSecondMs), kT0 + 7 * kSecondMs + 15 * kMinuteMs);
  EXPECT_EQ(prev_nominal(anchored, kT0), std::nullopt);  // before start_at
}

TEST(ScheduleTimingTest, EndAtEndsTheSchedule) {
  auto spec = parse_spec({{"every", "1h"}, {"end_at", kT0 + 2 * kHourMs}});
  EXPECT_EQ(upcoming(spec, kT0, 5), (std::vector<TimeMs>{kT0 + kHourMs, kT0 + 2 * kHourMs}));
  EXPECT_EQ(next_nominal(spec, kT0 + 2 * kHourMs), std::nullopt);
  EXPECT_EQ(prev_nominal(spec, kT0 + 10 * kHourMs), kT0 + 2 * kHourMs);
}

TEST(ScheduleTimingTest, CronInItsTimeZone) {
  auto spec = parse_spec({{"cron", "30 9 * * MON-FRI"}, {"timezone", "Europe/Paris"}});
  // 2026-01-01 is a Thursday; 09:30 in Paris (UTC+1) is 08:30 UTC.
  EXPECT_EQ(next_nominal(spec, kT0), kT0 + 8 * kHourMs + 30 * kMinuteMs);
  // Friday, then Monday the 5th.
  auto three = upcoming(spec, kT0, 3);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[1], kT0 + kDayMs + 8 * kHourMs + 30 * kMinuteMs);
  EXPECT_EQ(three[2], kT0 + 4 * kDayMs + 8 * kHourMs + 30 * kMinuteMs);
}

TEST(ScheduleTimingTest, JitterIsStableBoundedAndSpread) {
  auto spec = parse_spec({{"every", "1h"}, {"jitter", "30s"}});
  std::set<DurationMs> seen;
  for (int i = 0; i < 200; ++i) {
    DurationMs j = jitter_offset(spec, kT0 + i * kHourMs);
    EXPECT_GE(j, 0);
    EXPECT_LT(j, 30 * kSecondMs);
    EXPECT_EQ(j, jitter_offset(spec, kT0 + i * kHourMs));
    seen.insert(j / 1000);
  }
  EXPECT_GT(seen.size(), 20u);
  EXPECT_EQ(jitter_offset(parse_spec({{"every", "1h"}}), kT0), 0);
}

TEST(ScheduleTimingTest, DueTimesWithinTheGraceFireAndNothingEarly) {
  auto spec = parse_spec({{"every", "1m"}});
  auto none = plan_fires(spec, kT0, kT0 + kMinuteMs - 1);
  EXPECT_TRUE(none.fire.empty());
  EXPECT_EQ(none.next, kT0 + kMinuteMs);
  auto one = plan_fires(spec, kT0, kT0 + kMinuteMs + 59'000);  // 59 s late: not a misfire
  EXPECT_FALSE(one.missed);
  EXPECT_EQ(one.fire, (std::vector<TimeMs>{kT0 + kMinuteMs}));
  EXPECT_EQ(one.cursor, kT0 + kMinuteMs);
  EXPECT_EQ(one.next, kT0 + 2 * kMinuteMs);
}

TEST(ScheduleTimingTest, JitterDelaysTheFireNotTheName) {
  auto spec = parse_spec({{"every", "1h"}, {"jitter", "10m"}});
  TimeMs nominal = kT0 + kHourMs;
  DurationMs j = jitter_offset(spec, nominal);
  if (j > 0) {
    EXPECT_TRUE(plan_fires(spec, kT0, nominal + j - 1).fire.empty());
  }
  EXPECT_EQ(plan_fires(spec, kT0, nominal + j).fire, (std::vector<TimeMs>{nominal}));
}

TEST(ScheduleTimingTest, MisfirePolicies) {
  // Down from 00:00 to 00:10:30 with a schedule every minute.
  TimeMs now = kT0 + 10 * kMinuteMs + 30'000;
  auto skip = plan_fires(parse_spec({{"every", "1m"}, {"misfire", "skip"}}), kT0, now);
  EXPECT_TRUE(skip.missed);
  EXPECT_EQ(skip.fire, (std::vector<TimeMs>{kT0 + 10 * kMinuteMs}));  // within the grace
  EXPECT_EQ(skip.dropped, 9u);
  EXPECT_EQ(skip.cursor, kT0 + 10 * kMinuteMs);

  auto once = plan_fires(parse_spec({{"every", "1m"}, {"misfire", "fire_once"}}), kT0, now);
  EXPECT_EQ(once.fire, (std::vector<TimeMs>{kT0 + 9 * kMinuteMs, kT0 + 10 * kMinuteMs}));
  EXPECT_EQ(once.dropped, 8u);

  auto back = plan_fires(parse_spec({{"every", "1m"}, {"misfire", {{"backfill", 3}}}}), kT0, now);
  EXPECT_EQ(back.fire, (std::vector<TimeMs>{kT0 + 7 * kMinuteMs, kT0 + 8 * kMinuteMs, kT0 + 9 * kMinuteMs,
                                            kT0 + 10 * kMinuteMs}));
  EXPECT_EQ(back.dropped, 6u);

  // Backfill never reaches at or before the cursor.
  auto all = plan_fires(parse_spec({{"every", "1m"}, {"misfire", {{"backfill", 100}}}}), kT0, now);
  EXPECT_EQ(all.fire.size(), 10u);
  EXPECT_EQ(all.fire.front(), kT0 + kMinuteMs);
  EXPECT_EQ(all.dropped, 0u);
}

TEST(ScheduleTimingTest, MisfireGraceIsConfigurable) {
  TimeMs now = kT0 + kMinuteMs + 10'000;  // 10 s late
  auto tight =
      plan_fires(parse_spec({{"every", "1m"}, {"misfire", "skip"}, {"misfire_grace", "5s"}}), kT0, now);
  EXPECT_TRUE(tight.missed);
  EXPECT_TRUE(tight.fire.empty());
  EXPECT_EQ(tight.cursor, kT0 + kMinuteMs);
  EXPECT_EQ(tight.next, kT0 + 2 * kMinuteMs);
}

TEST(ScheduleTimingTest, AnEndedScheduleHasNothingToFire) {
  auto spec = parse_spec({{"every", "1m"}, {"end_at", kT0 + kMinuteMs}});
  auto plan = plan_fires(spec, kT0 + kMinuteMs, kT0 + kHourMs);
  EXPECT_TRUE(plan.fire.empty());
  EXPECT_EQ(plan.next, std::nullopt);
}

TEST(ScheduleTimingTest, TargetIdsNameTheNominalTime) {
  EXPECT_EQ(fire_target_id("nightly", kT0 + 3 * kHourMs), "nightly@20260101T030000Z");
  EXPECT_EQ(fire_target_id("x", kT0 + 1234), "x@20260101T000001.234Z");
}

}  // namespace
}  // namespace sundial
