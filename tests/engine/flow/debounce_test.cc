// Debounced starts (concurrency.debounce) through the engine's API, on
// RocksDB with a ManualClock: a burst folds into one run that arrives once
// the key has been quiet, no later than max_wait after the burst began;
// the run then takes a slot or queues like any start; the debouncing run
// survives a restart and can be cancelled.
#include <gtest/gtest.h>

#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

StartRequest debounced(std::optional<std::string> id, nlohmann::json input, DurationMs debounce_ms,
                       DurationMs max_wait_ms = 0, CoalesceMerge merge = CoalesceMerge::kLatest) {
  StartRequest req{"test.wait", std::move(id), std::move(input), std::nullopt};
  ConcurrencySpec spec{"assignee:42", 1, OnBusy::kQueue, merge};
  spec.debounce_ms = debounce_ms;
  spec.max_wait_ms = max_wait_ms;
  req.concurrency = std::move(spec);
  return req;
}

class DebounceTest : public testing::FlowTest {
 protected:
  // Starts `input` into the key's burst and returns the id of the run it went to.
  std::string start(nlohmann::json input, DurationMs debounce_ms, DurationMs max_wait_ms = 0,
                    CoalesceMerge merge = CoalesceMerge::kLatest) {
    auto started = h.start(debounced(std::nullopt, std::move(input), debounce_ms, max_wait_ms, merge));
    EXPECT_TRUE(started) << started.error().to_string();
    return started ? started->instance_id : "";
  }
};

TEST_F(DebounceTest, ABurstBecomesOneRunOnceTheKeyIsQuiet) {
  auto first = h.start(debounced("run", {{"n", 1}}, 5000));
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->status, InstanceStatus::kQueued);
  EXPECT_EQ(h.describe("run")->timer_due, h.clock.now_ms() + 5000);
  h.advance(3000);
  auto folded = h.start(debounced("second", {{"n", 2}}, 5000));
  ASSERT_TRUE(folded) << folded.error().to_string();
  EXPECT_FALSE(folded->created);
  EXPECT_TRUE(folded->coalesced);
  EXPECT_EQ(folded->instance_id, "run");
  EXPECT_EQ(h.describe("second").error().code, ErrorCode::kNotFound);
  h.advance(3000);  // 6 s after the first start, 3 s after the last
  EXPECT_EQ(h.status("run"), InstanceStatus::kQueued);
  EXPECT_EQ(count("run", EntryKind::kAdmitted), 0u);
  h.advance(2000);  // quiet for 5 s: it runs, with the latest input
  EXPECT_EQ(h.status("run"), InstanceStatus::kWaiting);
  EXPECT_EQ(h.describe("run")->input, (nlohmann::json{{"n", 2}}));
  EXPECT_EQ(count("run", EntryKind::kDebounced), 2u);
  EXPECT_EQ(count("run", EntryKind::kAdmitted), 1u);
}

TEST_F(DebounceTest, MaxWaitCapsTheDelayOfAStartThatNeverGoesQuiet) {
  std::string run = start({{"n", 0}}, 5000, 8000);
  for (int n = 1; n <= 2; ++n) {
    h.advance(3000);
    EXPECT_EQ(start({{"n", n}}, 5000, 8000), run);
  }
  h.advance(1999);  // 7.999 s after the first start
  EXPECT_EQ(h.status(run), InstanceStatus::kQueued);
  h.advance(1);  // max_wait: it runs though the last start was 2 s ago
  EXPECT_EQ(h.status(run), InstanceStatus::kWaiting);
  EXPECT_EQ(h.describe(run)->input, (nlohmann::json{{"n", 2}}));
  // The next start begins the next burst.
  std::string next = start({{"n", 3}}, 5000, 8000);
  EXPECT_NE(next, run);
  EXPECT_EQ(h.status(next), InstanceStatus::kQueued);
}

TEST_F(DebounceTest, ListMergeHandsTheRunEveryInputOfItsBurstInOrder) {
  std::string run = start("a", 1000, 0, CoalesceMerge::kList);
  EXPECT_EQ(start("b", 1000, 0, CoalesceMerge::kList), run);
  EXPECT_EQ(start("c", 1000, 0, CoalesceMerge::kList), run);
  h.advance(1000);
  EXPECT_EQ(h.status(run), InstanceStatus::kWaiting);
  EXPECT_EQ(h.describe(run)->input, (nlohmann::json{"a", "b", "c"}));
}

TEST_F(DebounceTest, ARunThatArrivesAtABusyKeyQueuesForItsSlot) {
  std::string first = start({{"n", 1}}, 1000);
  h.advance(1000);
  ASSERT_EQ(h.status(first), InstanceStatus::kWaiting);  // holds the key while it waits
  std::string second = start({{"n", 2}}, 1000);
  EXPECT_NE(second, first);
  h.advance(1000);
  EXPECT_EQ(h.status(second), InstanceStatus::kQueued);
  EXPECT_EQ(count(second, EntryKind::kQueued), 1u);
  EXPECT_EQ(h.describe(second)->timer_due, 0);
  // A start while the second waits for its slot begins another burst.
  std::string third = start({{"n", 3}}, 1000);
  EXPECT_NE(third, second);
  ASSERT_TRUE(h.signal(first, "go", {}));
  EXPECT_EQ(h.status(second), InstanceStatus::kWaiting);
  h.advance(1000);
  EXPECT_EQ(h.status(third), InstanceStatus::kQueued);  // behind the second
  ASSERT_TRUE(h.signal(second, "go", {}));
  EXPECT_EQ(h.status(third), InstanceStatus::kWaiting);
}

TEST_F(DebounceTest, TheDebouncingRunSurvivesARestart) {
  std::string run = start({{"n", 1}}, 5000);
  h.reopen();
  h.advance(4000);
  EXPECT_EQ(start({{"n", 2}}, 5000), run);  // still the key's debouncing run
  h.reopen();
  h.advance(4000);
  EXPECT_EQ(h.status(run), InstanceStatus::kQueued);
  h.advance(1000);
  EXPECT_EQ(h.status(run), InstanceStatus::kWaiting);
  EXPECT_EQ(h.describe(run)->input, (nlohmann::json{{"n", 2}}));
}

TEST_F(DebounceTest, ACancelledDebouncingRunEndsItsBurst) {
  std::string run = start({{"n", 1}}, 5000);
  ASSERT_TRUE(h.cancel(run, "not needed"));
  std::string next = start({{"n", 2}}, 5000);
  EXPECT_NE(next, run);
  h.advance(5000);
  EXPECT_EQ(h.status(run), InstanceStatus::kCancelled);
  EXPECT_EQ(h.status(next), InstanceStatus::kWaiting);
  EXPECT_EQ(count(run, EntryKind::kAdmitted), 0u);
}

}  // namespace
}  // namespace sundial
