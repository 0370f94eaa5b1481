// Concurrency keys through the engine's API, on RocksDB with a ManualClock:
// starts beyond the limit queue in arrival order and run as slots free up;
// a queued instance can be cancelled; coalesce folds a burst into one
// follow-up; drop starts nothing; the queue survives a restart; a retried
// instance waits for a slot like a new start.
#include <gtest/gtest.h>

#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

StartRequest keyed(std::optional<std::string> id, nlohmann::json input, ConcurrencySpec spec,
                   std::string type = "test.wait") {
  StartRequest req{std::move(type), std::move(id), std::move(input), std::nullopt};
  req.concurrency = std::move(spec);
  return req;
}

ConcurrencySpec key_of(std::string key, uint32_t limit = 1, OnBusy on_busy = OnBusy::kQueue,
                       CoalesceMerge merge = CoalesceMerge::kLatest) {
  return ConcurrencySpec{std::move(key), limit, on_busy, merge};
}

class ConcurrencyKeysTest : public testing::FlowTest {};

TEST_F(ConcurrencyKeysTest, StartsBeyondTheLimitQueueAndRunInArrivalOrder) {
  for (const char* id : {"a", "b", "c"}) {
    auto started = h.start(keyed(id, nlohmann::json::object(), key_of("assignee:42")));
    ASSERT_TRUE(started) << started.error().to_string();
    EXPECT_TRUE(started->created);
  }
  EXPECT_EQ(h.status("a"), InstanceStatus::kWaiting);  // holds the key while it waits
  EXPECT_EQ(h.status("b"), InstanceStatus::kQueued);
  EXPECT_EQ(h.status("c"), InstanceStatus::kQueued);
  EXPECT_TRUE(has("b", EntryKind::kQueued));
  ASSERT_TRUE(h.start(keyed("other", nlohmann::json::object(), key_of("assignee:7"))));
  EXPECT_EQ(h.status("other"), InstanceStatus::kWaiting);  // another key is not held up

  ASSERT_TRUE(h.signal("a", "go", {}));
  EXPECT_EQ(h.status("a"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.status("b"), InstanceStatus::kWaiting);  // admitted: its code ran to its wait
  EXPECT_TRUE(has("b", EntryKind::kAdmitted));
  EXPECT_EQ(h.status("c"), InstanceStatus::kQueued);
  ASSERT_TRUE(h.signal("b", "go", {}));
  EXPECT_EQ(h.status("c"), InstanceStatus::kWaiting);
}

TEST_F(ConcurrencyKeysTest, AQueuedInstanceCanBeCancelledAndNotPaused) {
  ASSERT_TRUE(h.start(keyed("a", {}, key_of("k"))));
  ASSERT_TRUE(h.start(keyed("b", {}, key_of("k"))));
  ASSERT_TRUE(h.start(keyed("c", {}, key_of("k"))));
  auto paused = h.pause("b");
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.error().code, ErrorCode::kConflict);
  auto cancelled = h.cancel("b", "not needed");
  ASSERT_TRUE(cancelled) << cancelled.error().to_string();
  EXPECT_EQ(cancelled->status, InstanceStatus::kCancelled);
  ASSERT_TRUE(h.signal("a", "go", {}));
  EXPECT_EQ(h.status("b"), InstanceStatus::kCancelled);  // never ran
  EXPECT_EQ(log.count("b", "after-go"), 0u);
  EXPECT_EQ(h.status("c"), InstanceStatus::kWaiting);
}

TEST_F(ConcurrencyKeysTest, CancellingTheHolderAdmitsTheNext) {
  ASSERT_TRUE(h.start(keyed("a", {}, key_of("k"))));
  ASSERT_TRUE(h.start(keyed("b", {}, key_of("k"))));
  ASSERT_TRUE(h.cancel("a"));
  EXPECT_EQ(h.status("b"), InstanceStatus::kWaiting);
}

TEST_F(ConcurrencyKeysTest, TheLimitLetsThatManyRunAtOnce) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.start(keyed("i" + std::to_string(i), {}, key_of("k", 3))));
  int waiting = 0, queued = 0;
  for (int i = 0; i < 5; ++i) {
    InstanceStatus s = h.status("i" + std::to_string(i));
    waiting += s == InstanceStatus::kWaiting;
    queued += s == InstanceStatus::kQueued;
  }
  EXPECT_EQ(waiting, 3);
  EXPECT_EQ(queued, 2);
}

TEST_F(ConcurrencyKeysTest, CoalesceFoldsABurstIntoOneFollowUpWithTheLatestInput) {
  auto spec = key_of("k", 1, OnBusy::kCoalesce);
  ASSERT_TRUE(h.start(keyed("run", {{"n", 0}}, spec)));
  auto follow = h.start(keyed("f1", {{"n", 1}}, spec));
  ASSERT_TRUE(follow);
  EXPECT_TRUE(follow->created);
  for (int n = 2; n <= 5; ++n) {
    auto folded = h.start(keyed("f" + std::to_string(n), {{"n", n}}, spec));
    ASSERT_TRUE(folded) << folded.error().to_string();
    EXPECT_FALSE(folded->created);
    EXPECT_TRUE(folded->coalesced);
    EXPECT_EQ(folded->instance_id, "f1");
  }
  EXPECT_EQ(h.describe("f3").error().code, ErrorCode::kNotFound);  // folded starts create nothing
  auto record = h.describe("f1");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->input, (nlohmann::json{{"n", 5}}));
  size_t folded = 0;
  for (const auto& e : h.history("f1")) folded += e.kind == EntryKind::kCoalesced;
  EXPECT_EQ(folded, 4u);
  ASSERT_TRUE(h.signal("run", "go", {}));
  EXPECT_EQ(h.status("f1"), InstanceStatus::kWaiting);
  // Once the follow-up runs, the next start is a new follow-up.
  auto next = h.start(keyed("g", {{"n", 6}}, spec));
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->created);
  EXPECT_EQ(h.status("g"), InstanceStatus::kQueued);
}

TEST_F(ConcurrencyKeysTest, CoalesceWithListMergeKeepsEveryInputInOrder) {
  auto spec = key_of("k", 1, OnBusy::kCoalesce, CoalesceMerge::kList);
  ASSERT_TRUE(h.start(keyed("run", {{"n", 0}}, spec)));
  EXPECT_EQ(h.describe("run")->input, nlohmann::json::array({{{"n", 0}}}));  // always a list
  ASSERT_TRUE(h.start(keyed("f", {{"n", 1}}, spec)));
  ASSERT_TRUE(h.start(keyed(std::nullopt, {{"n", 2}}, spec)));
  ASSERT_TRUE(h.start(keyed(std::nullopt, {{"n", 3}}, spec)));
  EXPECT_EQ(h.describe("f")->input, (nlohmann::json::array({{{"n", 1}}, {{"n", 2}}, {{"n", 3}}})));
}

TEST_F(ConcurrencyKeysTest, CoalesceFoldsOnlyIntoAFollowUpOfItsOwnKind) {
  ASSERT_TRUE(h.start(keyed("run", {}, key_of("k"))));
  // A waiter that queues keeps the input it was started with.
  ASSERT_TRUE(h.start(keyed("waiter", {{"n", 1}}, key_of("k"))));
  auto coalescing = h.start(keyed("c1", {{"n", 2}}, key_of("k", 1, OnBusy::kCoalesce)));
  ASSERT_TRUE(coalescing) << coalescing.error().to_string();
  EXPECT_TRUE(coalescing->created);  // a follow-up of its own
  EXPECT_EQ(h.describe("waiter")->input, (nlohmann::json{{"n", 1}}));
  // Another merge, or another type, does not fold into it either.
  auto listed = h.start(keyed("c2", {{"n", 3}}, key_of("k", 1, OnBusy::kCoalesce, CoalesceMerge::kList)));
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->created);
  auto other_type = h.start(keyed("c3", {{"offsets_ms", {0}}},
                                  key_of("k", 1, OnBusy::kCoalesce, CoalesceMerge::kList), "test.sequence"));
  ASSERT_TRUE(other_type);
  EXPECT_TRUE(other_type->created);
  EXPECT_EQ(h.describe("c1")->input, (nlohmann::json{{"n", 2}}));
}

TEST_F(ConcurrencyKeysTest, ARetriedInstanceWaitingForItsSlotIsNotFoldedInto) {
  log.failures["call"] = {3, ErrorCode::kUnavailable};
  auto spec = key_of("k", 1, OnBusy::kCoalesce);
  ASSERT_TRUE(h.start(keyed("flaky", {{"n", 0}}, spec, "test.flaky")));
  h.advance(1000);
  h.advance(2000);
  ASSERT_EQ(h.status("flaky"), InstanceStatus::kFailed);
  ASSERT_TRUE(h.start(keyed("holder", {}, key_of("k"))));
  ASSERT_EQ(h.retry("flaky")->status, InstanceStatus::kQueued);
  auto folded = h.start(keyed("later", {{"n", 1}}, spec, "test.flaky"));
  ASSERT_TRUE(folded);
  EXPECT_TRUE(folded->created);
  EXPECT_EQ(h.describe("flaky")->input, (nlohmann::json{{"n", 0}}));
}

TEST_F(ConcurrencyKeysTest, DropStartsNothingAndNamesTheHolder) {
  auto spec = key_of("k", 1, OnBusy::kDrop);
  ASSERT_TRUE(h.start(keyed("a", {}, spec)));
  auto dropped = h.start(keyed("b", {}, spec));
  ASSERT_TRUE(dropped) << dropped.error().to_string();
  EXPECT_TRUE(dropped->dropped);
  EXPECT_FALSE(dropped->created);
  EXPECT_EQ(dropped->instance_id, "a");
  EXPECT_EQ(h.describe("b").error().code, ErrorCode::kNotFound);
}

TEST_F(ConcurrencyKeysTest, TheQueueSurvivesARestart) {
  ASSERT_TRUE(h.start(keyed("a", {}, key_of("k"))));
  ASSERT_TRUE(h.start(keyed("b", {}, key_of("k"))));
  ASSERT_TRUE(h.start(keyed("c", {}, key_of("k"))));
  h.reopen();
  // A start after the restart queues behind the stored waiters.
  ASSERT_TRUE(h.start(keyed("d", {}, key_of("k"))));
  EXPECT_EQ(h.status("d"), InstanceStatus::kQueued);
  ASSERT_TRUE(h.signal("a", "go", {}));
  EXPECT_EQ(h.status("b"), InstanceStatus::kWaiting);
  EXPECT_EQ(h.status("c"), InstanceStatus::kQueued);
  h.reopen();
  ASSERT_TRUE(h.signal("b", "go", {}));
  EXPECT_EQ(h.status("c"), InstanceStatus::kWaiting);
  EXPECT_EQ(h.status("d"), InstanceStatus::kQueued);
}

TEST_F(ConcurrencyKeysTest, AFailedInstanceFreesItsSlotAndARetryQueuesForOne) {
  log.failures["call"] = {3, ErrorCode::kUnavailable};
  ASSERT_TRUE(h.start(keyed("flaky", {}, key_of("k"), "test.flaky")));
  ASSERT_TRUE(h.start(keyed("next", {}, key_of("k"))));
  EXPECT_EQ(h.status("next"), InstanceStatus::kQueued);
  h.advance(1000);
  h.advance(2000);
  EXPECT_EQ(h.status("flaky"), InstanceStatus::kFailed);
  EXPECT_EQ(h.status("next"), InstanceStatus::kWaiting);  // the failure freed the slot
  log.failures.clear();
  auto retried = h.retry("flaky");
  ASSERT_TRUE(retried) << retried.error().to_string();
  EXPECT_EQ(retried->status, InstanceStatus::kQueued);
  ASSERT_TRUE(h.signal("next", "go", {}));
  EXPECT_EQ(h.status("flaky"), InstanceStatus::kCompleted);
}

TEST_F(ConcurrencyKeysTest, AnIdempotencyKeyOfACoalescedStartNamesTheFollowUp) {
  auto spec = key_of("k", 1, OnBusy::kCoalesce);
  ASSERT_TRUE(h.start(keyed("run", {}, spec)));
  ASSERT_TRUE(h.start(keyed("f", {}, spec)));
  StartRequest delivery = keyed(std::nullopt, {{"n", 1}}, spec);
  delivery.idempotency_key = "delivery-1";
  auto first = h.start(delivery);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instance_id, "f");
  auto again = h.start(delivery);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->instance_id, "f");
  size_t folded = 0;
  for (const auto& e : h.history("f")) folded += e.kind == EntryKind::kCoalesced;
  EXPECT_EQ(folded, 1u);  // the redelivery folded nothing more
}

}  // namespace
}  // namespace sundial
