// resume as a pure decision: the policies, the restored status and timer.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

Result<Decision> resume(const InstanceRecord& r, ResumePolicy policy, TimeMs now = kNow) {
  return decide(InstanceView{r}, ResumeCommand{policy}, now);
}

// Paused 20 s ago while waiting, its timer due 5 s from now.
InstanceRecord paused_sleeper() {
  InstanceRecord r = record_in(InstanceStatus::kPaused);
  r.status_before_pause = InstanceStatus::kWaiting;
  r.paused_at = kNow - 20'000;
  r.await_kind = AwaitKind::kSleep;
  r.timer_due = kNow + 5'000;
  return r;
}

TEST(ResumeDecision, RefusesEveryStatusButPaused) {
  for (InstanceStatus status : kAllStatuses) {
    if (status == InstanceStatus::kPaused) continue;
    auto d = resume(record_in(status), ResumePolicy::kShift);
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
    EXPECT_EQ(d.error().message, "instance 'i-1' is " + std::string(status_name(status)) +
                                     "; only paused instances can be resumed");
  }
}

TEST(ResumeDecision, ShiftMovesTheTimerByTheTimePaused) {
  InstanceRecord r = paused_sleeper();
  auto d = resume(r, ResumePolicy::kShift);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kWaiting);
  EXPECT_EQ(d->record.paused_at, 0);
  EXPECT_EQ(d->record.timer_due, kNow + 25'000);
  auto timers = ops_in(*d, Cf::kTimers);
  ASSERT_EQ(timers.size(), 1u);  // no delete: no row existed while paused
  EXPECT_EQ(timers[0].kind, Batch::OpKind::kPut);
  EXPECT_EQ(timers[0].key, keys::timer_key(kNow + 25'000, "i-1"));
  ASSERT_EQ(d->tx.timers_to_arm.size(), 1u);
  EXPECT_EQ(d->tx.timers_to_arm[0].due, kNow + 25'000);
  EXPECT_EQ(d->tx.timers_to_arm[0].instance_id, "i-1");
  JournalEntry e = only_entry(*d, r, EntryKind::kResumed);
  EXPECT_EQ(e.name, "shift");
  EXPECT_EQ(e.shift_ms, 20'000);
  ASSERT_EQ(event_types(*d), std::vector<EventType>{EventType::kResumed});
  EXPECT_EQ(d->tx.events[0].detail, "shift");
  EXPECT_EQ(d->then, Then::kAdvanceAndTakeLate);
}

TEST(ResumeDecision, FireKeepsTheDueTime) {
  InstanceRecord r = paused_sleeper();
  r.timer_due = kNow - 1'000;  // came due while paused: fires at once
  auto d = resume(r, ResumePolicy::kFire);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.timer_due, kNow - 1'000);
  ASSERT_EQ(d->tx.timers_to_arm.size(), 1u);
  EXPECT_EQ(d->tx.timers_to_arm[0].due, kNow - 1'000);
  JournalEntry e = only_entry(*d, r, EntryKind::kResumed);
  EXPECT_EQ(e.name, "fire");
  EXPECT_EQ(e.shift_ms, 0);
  EXPECT_EQ(d->tx.events[0].detail, "fire");
}

TEST(ResumeDecision, ShiftNeverMovesBackwardsWhenTheClockDid) {
  InstanceRecord r = paused_sleeper();
  r.paused_at = kNow + 3'000;  // the clock stepped back since the pause
  auto d = resume(r, ResumePolicy::kShift);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.timer_due, kNow + 5'000);
  EXPECT_EQ(d->entries.at(0).shift_ms, 0);
}

TEST(ResumeDecision, WithoutATimerRestoresTheStatusAndArmsNothing) {
  InstanceRecord r = record_in(InstanceStatus::kPaused);
  r.status_before_pause = InstanceStatus::kRunning;
  r.paused_at = kNow - 1'000;
  r.await_kind = AwaitKind::kStep;
  auto d = resume(r, ResumePolicy::kShift);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kRunning);
  EXPECT_EQ(d->record.timer_due, 0);
  EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty());
  EXPECT_TRUE(d->tx.timers_to_arm.empty());
  EXPECT_EQ(d->then, Then::kAdvanceAndTakeLate);
}

TEST(ResumeDecision, PolicyNamesRoundTrip) {
  EXPECT_EQ(parse_resume_policy("shift"), ResumePolicy::kShift);
  EXPECT_EQ(parse_resume_policy("fire"), ResumePolicy::kFire);
  EXPECT_EQ(parse_resume_policy("Shift"), std::nullopt);
  EXPECT_EQ(parse_resume_policy(""), std::nullopt);
  EXPECT_EQ(resume_policy_name(ResumePolicy::kShift), "shift");
  EXPECT_EQ(resume_policy_name(ResumePolicy::kFire), "fire");
}

}  // namespace
}  // namespace sundial::testing
