// cancel as a pure decision: the reason, the timer, finished statuses.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

Result<Decision> cancel(const InstanceRecord& r, std::string reason = {}) {
  return decide(InstanceView{r}, CancelCommand{std::move(reason)}, kNow);
}

TEST(CancelDecision, CancellingACancelledInstanceChangesNothing) {
  InstanceRecord r = record_in(InstanceStatus::kCancelled);
  r.cancel_reason = "first";
  auto d = cancel(r, "second");
  ASSERT_TRUE(d.has_value());
  expect_no_change(*d, r);
}

TEST(CancelDecision, RefusesCompletedAndFailed) {
  for (InstanceStatus status : {InstanceStatus::kCompleted, InstanceStatus::kFailed}) {
    auto d = cancel(record_in(status));
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
    EXPECT_EQ(d.error().message, "instance 'i-1' is " + std::string(status_name(status)) +
                                     "; only running, waiting or paused instances can be cancelled");
  }
}

TEST(CancelDecision, WaitingInstanceLosesItsTimerAndEnds) {
  InstanceRecord r = record_in(InstanceStatus::kWaiting);
  r.await_kind = AwaitKind::kSignal;
  r.wait_signals = {"approve"};
  r.timer_due = kNow + 60'000;
  auto d = cancel(r, "customer left");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kCancelled);
  EXPECT_EQ(d->record.finished_at, kNow);
  EXPECT_EQ(d->record.timer_due, 0);
  EXPECT_EQ(d->record.cancel_reason, "customer left");
  auto timers = ops_in(*d, Cf::kTimers);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, Batch::OpKind::kDelete);
  EXPECT_EQ(timers[0].key, keys::timer_key(kNow + 60'000, "i-1"));
  JournalEntry e = only_entry(*d, r, EntryKind::kCancelled);
  EXPECT_EQ(e.error, "customer left");
  ASSERT_EQ(event_types(*d), std::vector<EventType>{EventType::kCancelled});
  EXPECT_EQ(d->tx.events[0].detail, "customer left");
  EXPECT_EQ(d->then, Then::kDropWorkflow);
}

TEST(CancelDecision, AnEmptyReasonBecomesTheDefault) {
  InstanceRecord r = record_in(InstanceStatus::kRunning);
  auto d = cancel(r);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.cancel_reason, "cancelled by request");
  EXPECT_EQ(only_entry(*d, r, EntryKind::kCancelled).error, "cancelled by request");
}

TEST(CancelDecision, PausedInstanceHasNoTimerRowToDelete) {
  InstanceRecord r = record_in(InstanceStatus::kPaused);
  r.status_before_pause = InstanceStatus::kWaiting;
  r.timer_due = kNow + 1'000;  // kept for resume; no row while paused
  auto d = cancel(r);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kCancelled);
  EXPECT_EQ(d->record.timer_due, 0);
  EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty());
}

TEST(CancelDecision, AReasonThatIsNotUtf8IsStoredRepaired) {
  InstanceRecord r = record_in(InstanceStatus::kRunning);
  auto d = cancel(r, std::string("bad \xff byte"));
  ASSERT_TRUE(d.has_value());
  JournalEntry e = only_entry(*d, r, EntryKind::kCancelled);
  EXPECT_EQ(e.error, "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(d->tx.events.at(0).detail, "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace sundial::testing
