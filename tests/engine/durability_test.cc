// Durability through the engine: a failed commit is answered with an error
// and leaves nothing visible; an eleven-day sequence survives reopening.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::StepLog;

TEST(DurabilityTest, AFailedCommitIsAnsweredWithAnErrorAndLeavesNothingVisible) {
  EngineHarness h;
  StepLog log(h.clock);
  testing::register_test_workflows(h.registry, log);
  h.open_faulty();
  ASSERT_TRUE(h.start("test.sequence", "before", {{"offsets_ms", {kHourMs}}}));

  h.faulty->fail_write(1);
  auto failed = h.start("test.sequence", "lost", {{"offsets_ms", {0}}}, "key-lost");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kIoError);
  EXPECT_NE(failed.error().message.find("injected"), std::string::npos);
  EXPECT_EQ(log.count("lost", "send-1"), 0u);  // no effect was released

  // Nothing of it is visible: record, journal, index, idempotency key, timer.
  EXPECT_EQ(h.describe("lost").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.read_history("lost").error().code, ErrorCode::kNotFound);
  ListQuery all{.limit = 100};
  ASSERT_EQ(h.list(all)->instances.size(), 1u);

  // The engine recovered from storage and takes commands again.
  EXPECT_TRUE(h.engine->ready());
  auto retried = h.start("test.sequence", "lost", {{"offsets_ms", {0}}}, "key-lost");
  ASSERT_TRUE(retried) << retried.error().to_string();
  EXPECT_TRUE(retried->created);
  EXPECT_EQ(log.count("lost", "send-1"), 1u);
  h.advance(kHourMs);
  EXPECT_EQ(log.count("before", "send-1"), 1u);  // the earlier instance's timer survived the reset
}

TEST(DurabilityTest, AFailedStepResultCommitRunsTheStepAgainAfterRecovery) {
  EngineHarness h;
  StepLog log(h.clock);
  testing::register_test_workflows(h.registry, log);
  h.open_faulty();
  ASSERT_TRUE(h.start("test.sequence", "s", {{"offsets_ms", {kHourMs}}}));
  h.clock.advance(kHourMs);
  // The timer's fire runs the synchronous step inside its own transition:
  // write 1 holds both, and it fails.
  h.faulty->fail_write(1);
  h.fire_timers();
  h.fire_timers();
  // At least once: the result was lost, so the step ran again, and exactly one result is journaled.
  EXPECT_EQ(log.count("s", "send-1"), 2u);
  EXPECT_EQ(h.status("s"), InstanceStatus::kCompleted);
  int results = 0;
  for (const auto& e : h.history("s")) results += e.kind == EntryKind::kStepCompleted;
  EXPECT_EQ(results, 1);
}

TEST(DurabilityTest, SevenStepsOverElevenDaysAcrossThreeRestarts) {
  EngineHarness h;
  StepLog log(h.clock);
  testing::register_test_workflows(h.registry, log);
  h.open();
  std::vector<DurationMs> offsets;
  for (int day : {0, 1, 3, 5, 7, 9, 11}) offsets.push_back(day * kDayMs);
  TimeMs t0 = h.clock.now_ms();
  ASSERT_TRUE(h.start("test.sequence", "nurture:alice@example.com", {{"offsets_ms", offsets}}));

  // Restarts on days 1 and 4 between due times; the third one is down for
  // ten hours across day 7's due time (hours 160 to 170), so that email
  // goes at start-up, late, and every other one exactly on time.
  int restarts = 0;
  TimeMs came_back = 0;
  for (int hour = 1; hour <= 11 * 24 + 1; ++hour) {
    if (hour == 161) {
      h.close();
      h.clock.advance(10 * kHourMs);
      hour += 10;
      h.open();
      h.fire_timers();
      came_back = h.clock.now_ms();
      ++restarts;
    }
    h.advance(kHourMs);
    if (hour == 30 || hour == 100) {  // days 1 and 4
      h.reopen();
      ++restarts;
    }
  }
  EXPECT_EQ(restarts, 3);
  ASSERT_EQ(log.runs.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(log.runs[i].step, "send-" + std::to_string(i + 1));
    TimeMs expected = i == 4 ? came_back : t0 + offsets[i];  // send-5 was due while down
    EXPECT_EQ(log.runs[i].at, expected) << "step " << i + 1 << " ran off schedule";
    EXPECT_EQ(log.runs[i].attempt, 1u);
  }
  EXPECT_EQ(h.status("nurture:alice@example.com"), InstanceStatus::kCompleted);
}

TEST(DurabilityTest, RefusesAStoreWithANewerSchemaVersion) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.sub("data");
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Cf::kMeta, "schema_version", "99");
    const Batch* one[] = {&batch};
    ASSERT_TRUE((*store)->write(one));
  }
  auto reopened = RocksDbStore::open(options);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, ErrorCode::kCorruption);
  EXPECT_NE(reopened.error().message.find("99"), std::string::npos);
}

// A directory of the previous format (version 2: no `kv` family) opens:
// the family is created, the version stamped 3, and a kv write lands.
TEST(DurabilityTest, AVersion2DirectoryIsUpgradedInPlace) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.sub("data");
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Cf::kMeta, "schema_version", "2");
    const Batch* one[] = {&batch};
    ASSERT_TRUE((*store)->write(one));
  }
  auto reopened = RocksDbStore::open(options);
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  auto version = (*reopened)->get(Cf::kMeta, "schema_version");
  ASSERT_TRUE(version && *version);
  EXPECT_EQ(**version, "5");
  Batch row;
  row.put(Cf::kKv, std::string("ns\0key", 6), "{}");
  const Batch* one[] = {&row};
  EXPECT_TRUE((*reopened)->write(one));
}

}  // namespace
}  // namespace sundial
