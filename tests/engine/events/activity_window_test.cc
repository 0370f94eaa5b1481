// ActivityWindow: starts, completions and failures by minute over the last
// hour, from events; old minutes fall out as time goes on.
#include "engine/events/activity_window.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

EngineEvent event_at(EventType type, TimeMs at) {
  EngineEvent e;
  e.type = type;
  e.at = at;
  return e;
}

constexpr TimeMs kMinute = ActivityWindow::kBucketMs;
constexpr TimeMs kNoon = 1'796'126'400'000;  // a minute's start

TEST(ActivityWindowTest, CountsStartsCompletionsAndFailuresByMinute) {
  ActivityWindow window(kNoon - 5 * kMinute);
  window.count(event_at(EventType::kInstanceStarted, kNoon + 1));
  window.count(event_at(EventType::kInstanceStarted, kNoon + 2));
  window.count(event_at(EventType::kCompleted, kNoon + kMinute + 5));
  window.count(event_at(EventType::kFailed, kNoon + kMinute + 6));
  window.count(event_at(EventType::kStepFailed, kNoon + kMinute + 7));  // an attempt, not an instance
  ActivityReport r = window.report(kNoon + kMinute + 10);
  ASSERT_EQ(r.buckets.size(), 60u);
  EXPECT_EQ(r.counting_since, kNoon - 5 * kMinute);
  EXPECT_EQ(r.buckets.back().at, kNoon + kMinute);
  EXPECT_EQ(r.buckets.back().completed, 1u);
  EXPECT_EQ(r.buckets.back().failed, 1u);
  EXPECT_EQ(r.buckets[58].at, kNoon);
  EXPECT_EQ(r.buckets[58].started, 2u);
  EXPECT_EQ(r.started, 2u);
  EXPECT_EQ(r.completed, 1u);
  EXPECT_EQ(r.failed, 1u);
}

TEST(ActivityWindowTest, AMinuteOlderThanAnHourIsNoLongerCounted) {
  ActivityWindow window(0);
  window.count(event_at(EventType::kInstanceStarted, kNoon));
  EXPECT_EQ(window.report(kNoon + 59 * kMinute).started, 1u);
  EXPECT_EQ(window.report(kNoon + 60 * kMinute).started, 0u);
  // The slot is reused by the minute an hour later; a late event for the
  // old minute does not count there.
  window.count(event_at(EventType::kInstanceStarted, kNoon + 60 * kMinute));
  window.count(event_at(EventType::kInstanceStarted, kNoon + 3));
  ActivityReport r = window.report(kNoon + 60 * kMinute);
  EXPECT_EQ(r.started, 1u);
  EXPECT_EQ(r.buckets.back().started, 1u);
}

}  // namespace
}  // namespace sundial
