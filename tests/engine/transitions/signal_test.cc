// signal as a pure decision: delivered or kept in the inbox, repeats,
// finished instances, input that cannot be stored.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

SignalCommand signal_named(std::string name, nlohmann::json payload = {{"ok", true}}) {
  SignalCommand cmd;
  cmd.name = std::move(name);
  cmd.payload = std::move(payload);
  cmd.idempotency_window = 86'400'000;
  return cmd;
}

// Waiting for "approve" or "reject", with a timeout 60 s from now.
InstanceRecord waiting_for_approval() {
  InstanceRecord r = record_in(InstanceStatus::kWaiting);
  r.await_kind = AwaitKind::kSignal;
  r.wait_signals = {"approve", "reject"};
  r.timer_due = kNow + 60'000;
  return r;
}

TEST(SignalCheck, RefusesBadNamesKeysAndPayloads) {
  EXPECT_TRUE(check(signal_named("approve")).has_value());
  EXPECT_EQ(check(signal_named("")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(check(signal_named("a\nb")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(check(signal_named(std::string(201, 'a'))).error().code, ErrorCode::kInvalidArgument);
  SignalCommand keyed = signal_named("approve");
  keyed.idempotency_key = "";
  EXPECT_EQ(check(keyed).error().code, ErrorCode::kInvalidArgument);
  keyed.idempotency_key = std::string(256, 'k');
  EXPECT_EQ(check(keyed).error().code, ErrorCode::kInvalidArgument);
  keyed.idempotency_key = std::string("\xc3", 1);
  EXPECT_EQ(check(keyed).error().code, ErrorCode::kInvalidArgument);
  keyed.idempotency_key = "delivery-1";
  EXPECT_TRUE(check(keyed).has_value());
  EXPECT_EQ(check(signal_named("approve", std::string("\xff"))).error().code, ErrorCode::kInvalidArgument);
}

TEST(SignalDecision, AWaitingWorkflowTakesItAtOnce) {
  InstanceRecord r = waiting_for_approval();
  auto d = decide(InstanceView{r}, signal_named("approve", {{"by", "ann"}}), kNow);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, Decision::Kind::kCommit);
  JournalEntry e = only_entry(*d, r, EntryKind::kSignalReceived);
  EXPECT_EQ(e.name, "approve");
  EXPECT_EQ(e.data, (nlohmann::json{{"by", "ann"}}));
  EXPECT_TRUE(e.delivered);
  // The wait ends: its timeout goes and the instance runs again.
  EXPECT_EQ(d->record.status, InstanceStatus::kRunning);
  EXPECT_EQ(d->record.await_kind, AwaitKind::kNone);
  EXPECT_TRUE(d->record.wait_signals.empty());
  EXPECT_EQ(d->record.timer_due, 0);
  auto timers = ops_in(*d, Cf::kTimers);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, Batch::OpKind::kDelete);
  EXPECT_EQ(timers[0].key, keys::timer_key(kNow + 60'000, "i-1"));
  ASSERT_EQ(event_types(*d), std::vector<EventType>{EventType::kSignalReceived});
  EXPECT_EQ(d->tx.events[0].name, "approve");
  EXPECT_EQ(d->then, Then::kAdvance);
  EXPECT_FALSE(d->remember.has_value());
}

TEST(SignalDecision, ASignalNobodyWaitsForGoesToTheInbox) {
  InstanceRecord waiting = waiting_for_approval();
  InstanceRecord running = record_in(InstanceStatus::kRunning);
  running.await_kind = AwaitKind::kStep;
  InstanceRecord paused = waiting_for_approval();  // waits for it, but paused
  paused.status = InstanceStatus::kPaused;
  paused.status_before_pause = InstanceStatus::kWaiting;
  struct Case {
    const char* what;
    const InstanceRecord& record;
    std::string name;
  };
  for (const Case& c : {Case{"other signal", waiting, "escalate"}, Case{"running", running, "approve"},
                        Case{"paused", paused, "approve"}}) {
    auto d = decide(InstanceView{c.record}, signal_named(c.name), kNow);
    ASSERT_TRUE(d.has_value()) << c.what;
    JournalEntry e = only_entry(*d, c.record, EntryKind::kSignalReceived);
    EXPECT_FALSE(e.delivered) << c.what;
    EXPECT_EQ(d->record.status, c.record.status) << c.what;
    EXPECT_EQ(d->record.await_kind, c.record.await_kind) << c.what;
    EXPECT_EQ(d->record.timer_due, c.record.timer_due) << c.what;
    EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty()) << c.what;
    EXPECT_EQ(d->then, Then::kNothing) << c.what;
  }
}

TEST(SignalDecision, RefusesFinishedInstances) {
  for (InstanceStatus status :
       {InstanceStatus::kCompleted, InstanceStatus::kFailed, InstanceStatus::kCancelled}) {
    auto d = decide(InstanceView{record_in(status)}, signal_named("approve"), kNow);
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
    EXPECT_EQ(d.error().message, "instance 'i-1' is " + std::string(status_name(status)) +
                                     "; signals reach only running, waiting or paused instances");
  }
}

TEST(SignalDecision, AKeyedSignalRemembersItsScopedKey) {
  InstanceRecord r = waiting_for_approval();
  SignalCommand cmd = signal_named("approve");
  cmd.idempotency_key = "delivery-7";
  auto d = decide(InstanceView{r}, cmd, kNow);
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->remember.has_value());
  EXPECT_EQ(d->remember->key, scoped_signal_key("i-1", "delivery-7"));
  EXPECT_EQ(d->remember->key, std::string("signal\x1fi-1\x1f") + "delivery-7");
  EXPECT_EQ(d->remember->instance_id, "i-1");
  EXPECT_EQ(d->remember->expires, kNow + 86'400'000);
}

TEST(SignalDecision, ARepeatWritesNothingEvenWhenTheInstanceFinished) {
  SignalCommand cmd = signal_named("approve");
  cmd.idempotency_key = "delivery-7";
  for (InstanceStatus status : {InstanceStatus::kWaiting, InstanceStatus::kCompleted}) {
    InstanceRecord r = record_in(status);
    auto d = decide(InstanceView{r, /*repeated=*/true}, cmd, kNow);
    ASSERT_TRUE(d.has_value()) << status_name(status);
    EXPECT_EQ(d->kind, Decision::Kind::kRepeat);
    EXPECT_TRUE(d->entries.empty());
    EXPECT_TRUE(d->tx.batch.empty());
    EXPECT_TRUE(d->tx.events.empty());
    EXPECT_FALSE(d->remember.has_value());
  }
}

TEST(SignalDecision, APayloadThatCannotBeStoredIsRefusedBeforeAnythingChanges) {
  InstanceRecord r = waiting_for_approval();
  nlohmann::json deep = 1;
  for (int i = 0; i < 1000; ++i) deep = nlohmann::json::array({deep});
  for (const nlohmann::json& payload : {nlohmann::json(std::string("\xff")), deep}) {
    auto d = decide(InstanceView{r}, signal_named("approve", payload), kNow);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sundial::testing
