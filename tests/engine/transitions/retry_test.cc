// retry as a pure decision: only failed instances, a fresh attempt count,
// the schedule shifted by the time spent failed unless the policy is fire.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

Result<Decision> retry(const InstanceRecord& r, ResumePolicy policy = ResumePolicy::kShift) {
  return decide(InstanceView{r}, RetryCommand{policy}, kNow);
}

TEST(RetryDecision, RefusesEveryStatusButFailed) {
  for (InstanceStatus status : kAllStatuses) {
    if (status == InstanceStatus::kFailed) continue;
    auto d = retry(record_in(status));
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
    EXPECT_EQ(d.error().message, "instance 'i-1' is " + std::string(status_name(status)) +
                                     "; only failed instances can be retried");
  }
}

TEST(RetryDecision, FailedInstanceRunsAgainFromItsJournal) {
  InstanceRecord r = record_in(InstanceStatus::kFailed);
  r.last_error = "step 'charge' failed after 3 attempt(s): boom";
  r.await_kind = AwaitKind::kStep;
  r.step_name = "charge";
  r.attempt = 3;
  auto d = retry(r);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, Decision::Kind::kCommit);
  EXPECT_EQ(d->record.status, InstanceStatus::kRunning);
  EXPECT_EQ(d->record.finished_at, 0);
  EXPECT_EQ(d->record.last_error, "");
  EXPECT_EQ(d->record.attempt, 0u);
  EXPECT_EQ(d->record.step_name, "charge");
  JournalEntry retried = only_entry(*d, r, EntryKind::kRetried);
  EXPECT_EQ(retried.name, "shift");
  EXPECT_EQ(retried.shift_ms, 60'000);  // failed a minute ago (record_in)
  EXPECT_EQ(event_types(*d), std::vector<EventType>{EventType::kRetried});
  EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty());
  EXPECT_EQ(d->then, Then::kRebuildAndAdvance);
}

TEST(RetryDecision, FireKeepsDueTimes) {
  auto d = retry(record_in(InstanceStatus::kFailed), ResumePolicy::kFire);
  ASSERT_TRUE(d.has_value());
  JournalEntry retried = only_entry(*d, record_in(InstanceStatus::kFailed), EntryKind::kRetried);
  EXPECT_EQ(retried.name, "fire");
  EXPECT_EQ(retried.shift_ms, 0);
}

// skip: the failed step's outcome is given, then the instance runs on.
Result<Decision> skip(const InstanceRecord& r, SkipCommand cmd = {}) { return decide(InstanceView{r}, cmd, kNow); }

InstanceRecord failed_in_step(const std::string& step) {
  InstanceRecord r = record_in(InstanceStatus::kFailed);
  r.last_error = "step '" + step + "' failed after 5 attempt(s): 422 invalid recipient";
  r.await_kind = AwaitKind::kStep;
  r.step_name = step;
  r.attempt = 5;
  return r;
}

TEST(SkipDecision, RefusesEveryStatusButFailed) {
  for (InstanceStatus status : kAllStatuses) {
    if (status == InstanceStatus::kFailed) continue;
    InstanceRecord r = record_in(status);
    r.await_kind = AwaitKind::kStep;
    r.step_name = "send";
    auto d = skip(r);
    ASSERT_FALSE(d.has_value()) << status_name(status);
    EXPECT_EQ(d.error().code, ErrorCode::kConflict);
  }
}

TEST(SkipDecision, RefusesAnInstanceWhoseCodeFailed) {
  InstanceRecord r = record_in(InstanceStatus::kFailed);
  r.last_error = "workflow threw: boom";
  auto d = skip(r);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kConflict);
  EXPECT_NE(d.error().message.find("retry it instead"), std::string::npos) << d.error().message;
}

TEST(SkipDecision, TheStepCompletesWithTheGivenResultThenTheInstanceRuns) {
  InstanceRecord r = failed_in_step("email-3");
  auto d = skip(r, SkipCommand{{{"skipped", true}}, "recipient bounced", ResumePolicy::kFire});
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_EQ(d->entries[0].kind, EntryKind::kStepSkipped);
  EXPECT_TRUE(d->entries[0].is_outcome());
  EXPECT_EQ(d->entries[0].name, "email-3");
  EXPECT_EQ(d->entries[0].data, nlohmann::json({{"skipped", true}}));
  EXPECT_EQ(d->entries[0].error, "recipient bounced");
  EXPECT_EQ(d->entries[1].kind, EntryKind::kRetried);
  EXPECT_EQ(d->entries[1].shift_ms, 0);
  EXPECT_EQ(journal_written(*d).size(), 2u);
  EXPECT_EQ(d->record.status, InstanceStatus::kRunning);
  EXPECT_EQ(d->record.await_kind, AwaitKind::kNone);
  EXPECT_EQ(d->record.step_name, "");
  EXPECT_EQ(d->record.last_error, "");
  EXPECT_EQ(event_types(*d), (std::vector<EventType>{EventType::kStepSkipped, EventType::kRetried}));
  EXPECT_EQ(d->then, Then::kRebuildAndAdvance);
}

TEST(SkipDecision, AResultThatCannotBeStoredIsRefusedBeforeLoading) {
  SkipCommand cmd;
  cmd.result = std::string("\xff\xfe");
  auto valid = check(cmd);
  ASSERT_FALSE(valid.has_value());
  EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sundial::testing
