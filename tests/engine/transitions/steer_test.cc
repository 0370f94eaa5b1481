// A bulk run's command applies only to the instance as the run read it.
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

TEST(SteerAsRead, AppliesTheCommandToTheInstanceAsRead) {
  InstanceRecord r = record_in(InstanceStatus::kPaused);
  auto d = decide(InstanceView{r}, SteerCommand{CancelCommand{"bulk"}}, AsRead{InstanceStatus::kPaused, 1}, kNow);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.status, InstanceStatus::kCancelled);
}

TEST(SteerAsRead, LeavesAnInstanceThatMovedOnAlone) {
  InstanceRecord resumed = record_in(InstanceStatus::kWaiting);  // someone resumed it after the read
  auto d = decide(InstanceView{resumed}, SteerCommand{CancelCommand{}}, AsRead{InstanceStatus::kPaused, 1}, kNow);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kConflict);
  EXPECT_EQ(d.error().message, "instance 'i-1' is waiting; it was paused when it matched; left alone");

  InstanceRecord again = record_in(InstanceStatus::kPaused);
  again.run = 2;  // finished and started again under the same id
  auto other_run = decide(InstanceView{again}, SteerCommand{CancelCommand{}}, AsRead{InstanceStatus::kPaused, 1}, kNow);
  ASSERT_FALSE(other_run.has_value());
  EXPECT_EQ(other_run.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace sundial::testing
