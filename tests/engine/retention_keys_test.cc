// The retention sweep plans on the thread pool and applies on the loop; an
// idempotency key recorded again in between (its start still committing)
// must survive the apply, or a repeat would start a second instance.
// Real RocksDB behind a FaultyStore that holds writes (EngineHarness).
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::StepLog;

nlohmann::json far_sleep() { return {{"offsets_ms", {30 * kDayMs}}}; }

TEST(RetentionKeysTest, AKeyRecordedAgainBetweenPlanAndApplyIsKept) {
  EngineHarness h;
  StepLog log{h.clock};
  testing::register_test_workflows(h.registry, log);
  h.open_faulty();
  ASSERT_TRUE(h.start("test.sequence", "first", far_sleep(), "key"));
  h.clock.advance(h.options.idempotency_window + 1);  // the key expires

  // A start reuses the expired key; its commit stays in flight... (its id
  // is generated: an explicit one would first be looked up on the pool,
  // and the sweep could apply before the key is recorded again)
  h.faulty->hold_writes();
  std::optional<Result<StartReply>> second;
  h.engine->start(StartRequest{"test.sequence", std::nullopt, far_sleep(), "key"},
                  [&](Result<StartReply> r) { second = std::move(r); });
  // ...while the sweep plans from storage, which still holds the old key.
  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  for (int i = 0; i < 200 && h.engine->commits_in_flight() < 2; ++i) h.loop.run_once();
  ASSERT_EQ(h.engine->commits_in_flight(), 2u) << "the sweep did not apply while the start committed";
  h.faulty->release_writes();
  h.drain();
  ASSERT_TRUE(second && *second) << (second ? second->error().to_string() : "no answer");
  EXPECT_TRUE((*second)->created);
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->keys_deleted, 0u) << "the sweep deleted a key recorded again";

  // A repeat finds the second instance, before and after a restart.
  for (int round = 0; round < 2; ++round) {
    auto repeat = h.start("test.sequence", std::nullopt, far_sleep(), "key");
    ASSERT_TRUE(repeat) << repeat.error().to_string();
    EXPECT_FALSE(repeat->created);
    EXPECT_EQ(repeat->instance_id, (*second)->instance_id);
    h.reopen();
  }
}

TEST(RetentionKeysTest, AnExpiredKeyNotRecordedAgainIsDeleted) {
  EngineHarness h;
  StepLog log{h.clock};
  testing::register_test_workflows(h.registry, log);
  h.open();
  ASSERT_TRUE(h.start("test.sequence", "first", far_sleep(), "key"));
  h.clock.advance(h.options.idempotency_window + 1);
  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  for (int i = 0; i < 200 && !swept; ++i) h.loop.run_once();
  h.drain();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->keys_deleted, 1u);
  auto again = h.start("test.sequence", "again", far_sleep(), "key");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->created);
}

}  // namespace
}  // namespace sundial

namespace sundial {
namespace {

// The engine on a ManualWorkPool: the sweep's plan runs when the test says.
class RetentionOnThePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log);
    h.manual_pool = true;
    h.open();
  }
  testing::EngineHarness h;
  testing::StepLog log{h.clock};
};

// The sweep's plan is a WorkPool job: nothing is deleted until it ran, and
// an engine closing while it is pending ends cleanly without applying it.
TEST_F(RetentionOnThePoolTest, ThePlanWaitsForThePoolAndAClosingEngineDropsIt) {
  ASSERT_TRUE(h.start("test.sequence", "old", {{"offsets_ms", std::vector<DurationMs>{0}}}));
  ASSERT_EQ(h.status("old"), InstanceStatus::kCompleted);
  h.clock.advance(h.options.retention.retention + 1);

  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  h.drain();
  ASSERT_EQ(h.pool->pending(), 1u);
  EXPECT_FALSE(swept);
  h.pool->complete_first();
  h.drain();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->instances_deleted, 1u);
  EXPECT_EQ(h.describe("old").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(h.start("test.sequence", "young", {{"offsets_ms", std::vector<DurationMs>{0}}}));
  h.clock.advance(h.options.retention.retention + 1);
  bool applied = false;
  h.engine->sweep_now([&](SweepResult) { applied = true; });
  ASSERT_EQ(h.pool->pending(), 1u);
  h.close();
  EXPECT_FALSE(applied);
  h.open();
  EXPECT_TRUE(h.describe("young")) << "a plan dropped at close was applied";
}

// The sweep applies its plan without reading the store on the loop: what
// changed after the plan's snapshot is named by the ChangeWatches. An
// instance retried and failed again between plan and apply (its commits
// durable after the snapshot, and evicted since) is kept; an untouched one
// is deleted.
TEST_F(RetentionOnThePoolTest, AnInstanceChangedAfterThePlanIsKeptAndTheLoopReadsNothing) {
  ASSERT_TRUE(h.start("test.throwing_body", "changed", {}));
  ASSERT_TRUE(h.start("test.throwing_body", "untouched", {}));
  ASSERT_EQ(h.status("changed"), InstanceStatus::kFailed);
  ASSERT_EQ(h.status("untouched"), InstanceStatus::kFailed);
  h.clock.advance(h.options.retention.retention + 1);
  h.reopen();  // nothing in memory

  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  ASSERT_EQ(h.pool->pending(), 1u);
  h.pool->run_work(0);  // the plan, on its snapshot: both are past retention

  std::optional<Result<CommandReply>> retried;
  h.engine->retry("changed", ResumePolicy::kShift, [&](Result<CommandReply> r) { retried = std::move(r); });
  for (int i = 0; i < 2000 && (!retried || h.engine->commits_in_flight() > 0 || h.pool->pending() > 0); ++i) {
    if (h.pool->pending() > 0) h.pool->complete(0);  // the instance's load
    h.loop.run_once();
  }
  ASSERT_TRUE(retried && *retried) << (retried ? retried->error().to_string() : "no answer");
  // (No harness helper here: they drain the pool, which would apply the plan.)
  EXPECT_EQ(h.engine->live_instances(), 0u) << "evicted: only the watch tells the sweep it changed";

  uint64_t reads = h.engine->loop_thread_store_reads();
  h.pool->finish_ran();
  h.drain();
  ASSERT_TRUE(swept);
  EXPECT_EQ(h.engine->loop_thread_store_reads(), reads) << "the apply read the store on the loop";
  EXPECT_EQ(swept->instances_deleted, 1u);
  EXPECT_EQ(h.status("changed"), InstanceStatus::kFailed) << "deleted although it changed after the plan";
  EXPECT_EQ(h.describe("untouched").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sundial
