// Continue-as-new (Context::continue_as_new) through the engine, on
// RocksDB with a ManualClock: a run that returns after asking for it
// completes with a continued_as_new entry and the id's next run starts
// from the new input with an empty journal, holding the same concurrency
// slot, across restarts.
#include <gtest/gtest.h>

#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

class ContinueAsNewTest : public testing::FlowTest {};

TEST_F(ContinueAsNewTest, EachRunStartsTheNextFromItsInputWithAnEmptyJournal) {
  ASSERT_TRUE(h.start("test.countdown", "loop", {{"n", 2}}));
  h.advance(kSecondMs);  // run 1 ticks and continues
  auto second = h.describe("loop");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->run, 2u);
  EXPECT_EQ(second->status, InstanceStatus::kWaiting);
  EXPECT_EQ(second->input, (nlohmann::json{{"n", 1}}));
  auto first = h.read_history("loop", 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->back().kind, EntryKind::kContinuedAsNew);
  EXPECT_EQ(first->back().data, (nlohmann::json{{"n", 1}}));
  EXPECT_EQ(h.describe("loop", 1)->status, InstanceStatus::kCompleted);
  auto journal = h.read_history("loop");
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->front().kind, EntryKind::kStarted);
  EXPECT_EQ(journal->front().seq, 0u);

  h.advance(kSecondMs);
  h.advance(kSecondMs);
  auto last = h.describe("loop");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->run, 3u);
  EXPECT_EQ(last->status, InstanceStatus::kCompleted);
  EXPECT_EQ(last->result, "liftoff");
  for (const char* tick : {"tick-2", "tick-1", "tick-0"}) EXPECT_EQ(log.count("loop", tick), 1u) << tick;
  auto listed = h.list(ListQuery{});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->instances.size(), 1u);
}

TEST_F(ContinueAsNewTest, TheNextRunKeepsTheConcurrencySlot) {
  StartRequest loop{"test.countdown", "loop", {{"n", 2}}, std::nullopt};
  loop.concurrency = ConcurrencySpec{"assignee:1", 1};
  ASSERT_TRUE(h.start(loop));
  StartRequest other{"test.flaky", "other", nlohmann::json::object(), std::nullopt};
  other.concurrency = ConcurrencySpec{"assignee:1", 1};
  auto queued = h.start(other);
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, InstanceStatus::kQueued);
  h.advance(kSecondMs);
  h.advance(kSecondMs);
  EXPECT_EQ(h.describe("loop")->run, 3u);
  EXPECT_EQ(h.status("other"), InstanceStatus::kQueued);  // the loop still holds the key
  h.reopen();
  EXPECT_EQ(h.status("other"), InstanceStatus::kQueued);
  h.advance(kSecondMs);
  EXPECT_EQ(h.status("loop"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.status("other"), InstanceStatus::kCompleted);
}

TEST_F(ContinueAsNewTest, AChainGoesOnAfterARestart) {
  ASSERT_TRUE(h.start("test.countdown", "loop", {{"n", 3}}));
  h.advance(kSecondMs);
  h.reopen();
  h.advance(kSecondMs);
  h.reopen();
  h.advance(kSecondMs);
  h.advance(kSecondMs);
  auto last = h.describe("loop");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->run, 4u);
  EXPECT_EQ(last->status, InstanceStatus::kCompleted);
  for (const char* tick : {"tick-3", "tick-2", "tick-1", "tick-0"})
    EXPECT_EQ(log.count("loop", tick), 1u) << tick;
}

}  // namespace
}  // namespace sundial
