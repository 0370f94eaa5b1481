// pause as a pure decision: which statuses it refuses, what it writes.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

Result<Decision> pause(const InstanceRecord& r) { return decide(InstanceView{r}, PauseCommand{}, kNow); }

TEST(PauseDecision, RefusesEveryFinishedStatus) {
  for (InstanceStatus status :
       {InstanceStatus::kCompleted, InstanceStatus::kFailed, InstanceStatus::kCancelled}) {
    auto d = pause(record_in(status));
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
    EXPECT_EQ(d.error().message, "instance 'i-1' is " + std::string(status_name(status)) +
                                     "; only running or waiting instances can be paused");
  }
}

TEST(PauseDecision, PausingAPausedInstanceChangesNothing) {
  InstanceRecord r = record_in(InstanceStatus::kPaused);
  r.paused_at = kNow - 5'000;
  r.status_before_pause = InstanceStatus::kWaiting;
  r.timer_due = kNow + 10'000;
  auto d = pause(r);
  ASSERT_TRUE(d.has_value());
  expect_no_change(*d, r);
}

TEST(PauseDecision, WaitingInstanceLosesItsTimerRowButKeepsTheDueTime) {
  InstanceRecord r = record_in(InstanceStatus::kWaiting);
  r.await_kind = AwaitKind::kSleep;
  r.timer_due = kNow + 30'000;
  auto d = pause(r);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, Decision::Kind::kCommit);
  EXPECT_EQ(d->record.status, InstanceStatus::kPaused);
  EXPECT_EQ(d->record.status_before_pause, InstanceStatus::kWaiting);
  EXPECT_EQ(d->record.paused_at, kNow);
  EXPECT_EQ(d->record.timer_due, kNow + 30'000);
  EXPECT_EQ(d->record.finished_at, 0);
  auto timers = ops_in(*d, Cf::kTimers);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, Batch::OpKind::kDelete);
  EXPECT_EQ(timers[0].key, keys::timer_key(kNow + 30'000, "i-1"));
  EXPECT_TRUE(d->tx.timers_to_arm.empty());
  only_entry(*d, r, EntryKind::kPaused);
  EXPECT_EQ(event_types(*d), std::vector<EventType>{EventType::kPaused});
  EXPECT_EQ(d->tx.events[0].instance_id, "i-1");
  EXPECT_EQ(d->tx.events[0].workflow_type, "demo");
  EXPECT_EQ(d->then, Then::kNothing);
}

TEST(PauseDecision, RunningInstanceWithoutTimerWritesNoTimerRow) {
  InstanceRecord r = record_in(InstanceStatus::kRunning);
  r.await_kind = AwaitKind::kStep;
  r.step_name = "charge";
  auto d = pause(r);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kPaused);
  EXPECT_EQ(d->record.status_before_pause, InstanceStatus::kRunning);
  EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty());
  only_entry(*d, r, EntryKind::kPaused);
}

TEST(PauseDecision, LeavesTheViewedRecordAlone) {
  InstanceRecord r = record_in(InstanceStatus::kWaiting);
  r.timer_due = kNow + 1'000;
  std::string before = encode_record(r).value();
  ASSERT_TRUE(pause(r).has_value());
  EXPECT_EQ(encode_record(r).value(), before);
}

}  // namespace
}  // namespace sundial::testing
