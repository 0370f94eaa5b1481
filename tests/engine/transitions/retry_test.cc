// retry as a pure decision: only failed instances, a fresh attempt count.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

Result<Decision> retry(const InstanceRecord& r) { return decide(InstanceView{r}, RetryCommand{}, kNow); }

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
  only_entry(*d, r, EntryKind::kRetried);
  EXPECT_EQ(event_types(*d), std::vector<EventType>{EventType::kRetried});
  EXPECT_TRUE(ops_in(*d, Cf::kTimers).empty());
  EXPECT_EQ(d->then, Then::kRebuildAndAdvance);
}

}  // namespace
}  // namespace sundial::testing
