// Queries off the loop: SnapshotReader and StatsReader on a ManualWorkPool
// (answers come only once the pool ran the job, in any order, and never
// after the reader is gone; concurrent stats requests share one read), and
// the engine's queries on the real pool, which must never read the store on
// the loop thread (docs/threading.md rule 1).
#include <gtest/gtest.h>

#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/snapshot_reader.h"
#include "engine/stats_reader.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/manual_work_pool.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

using testing::ManualWorkPool;

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbOptions options;
    options.path = dir.sub("data");
    auto opened = RocksDbStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    store = std::move(*opened);
  }
  void put_record(const std::string& id, InstanceStatus status = InstanceStatus::kRunning) {
    InstanceRecord r;
    r.id = id;
    r.type = "t";
    r.status = status;
    r.input = nlohmann::json::object();
    Batch b;
    b.put(Cf::kInstances, id, *encode_record(r));
    b.put(Cf::kIndex, keys::status_index_key(status, 0, id), "");
    b.put(Cf::kIndex, keys::type_status_index_key(r.type, status, 0, id), "");
    const Batch* one[] = {&b};
    ASSERT_TRUE(store->write(one));
  }
  QueryDone<InstanceRecord> describe_into(std::optional<Result<InstanceRecord>>& out) {
    return [&out](Result<InstanceRecord> r) { out = std::move(r); };
  }
  void describe(SnapshotReader& reader, const std::string& id, QueryDone<InstanceRecord> done) {
    reader.run<InstanceRecord>([id](Store& s) { return describe_instance(s, id); }, std::move(done));
  }

  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store;
  Loop loop;
  ManualWorkPool pool{loop};
};

TEST_F(ReaderTest, AQueryIsAnsweredOnlyOnceThePoolRanIt) {
  put_record("a");
  SnapshotReader reader(pool, *store);
  std::optional<Result<InstanceRecord>> got;
  describe(reader, "a", describe_into(got));
  EXPECT_FALSE(got) << "answered inside the call";
  EXPECT_EQ(reader.in_flight(), 1u);
  ASSERT_EQ(pool.pending(), 1u);
  pool.complete_first();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->id, "a");
  EXPECT_EQ(reader.in_flight(), 0u);
}

TEST_F(ReaderTest, QueriesCompletedOutOfOrderEachGetTheirOwnAnswer) {
  put_record("a");
  put_record("b");
  SnapshotReader reader(pool, *store);
  std::optional<Result<InstanceRecord>> first, second, missing;
  describe(reader, "a", describe_into(first));
  describe(reader, "b", describe_into(second));
  describe(reader, "ghost", describe_into(missing));
  pool.complete(2);
  pool.complete_last();
  EXPECT_FALSE(first);
  pool.complete_first();
  ASSERT_TRUE(first && *first && second && *second && missing);
  EXPECT_EQ((*first)->id, "a");
  EXPECT_EQ((*second)->id, "b");
  ASSERT_FALSE(*missing);
  EXPECT_EQ(missing->error().code, ErrorCode::kNotFound);
}

TEST_F(ReaderTest, AQueryReadsTheStoreAsOfWhenItsWorkRuns) {
  SnapshotReader reader(pool, *store);
  std::optional<Result<InstanceRecord>> got;
  describe(reader, "late", describe_into(got));
  put_record("late");  // committed after the ask, before the pool ran it
  pool.complete_first();
  ASSERT_TRUE(got && *got) << (got ? got->error().to_string() : "no answer");
}

TEST_F(ReaderTest, AReaderThatGoesAwayDropsItsPendingAnswers) {
  put_record("a");
  auto alive = std::make_shared<int>(0);
  bool answered = false;
  {
    SnapshotReader reader(pool, *store);
    describe(reader, "a", [&answered, keep = alive](Result<InstanceRecord>) { answered = true; });
    EXPECT_EQ(alive.use_count(), 2);
  }
  pool.drain();
  EXPECT_FALSE(answered);
  EXPECT_EQ(alive.use_count(), 1) << "the dropped answer was not released";
}

TEST_F(ReaderTest, ConcurrentStatsRequestsShareOneReadAndAllAreAnswered) {
  put_record("r1");
  put_record("w1", InstanceStatus::kWaiting);
  auto stats = std::make_unique<StatsReader>(pool, *store);
  std::vector<Result<InstanceStats>> answers;
  auto collect = [&](Result<InstanceStats> s) { answers.push_back(std::move(s)); };
  stats->read(collect);
  stats->read(collect);  // waits for the next read
  stats->read(collect);
  EXPECT_EQ(pool.pending(), 1u) << "one read at a time";
  pool.complete_first();
  EXPECT_EQ(answers.size(), 1u);
  EXPECT_EQ(pool.pending(), 1u) << "the waiting requests share the next read";
  put_record("r2");
  pool.complete_first();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(pool.pending(), 0u);
  for (const auto& a : answers) ASSERT_TRUE(a) << a.error().to_string();
  auto running = [](const InstanceStats& s) {
    for (auto [status, n] : s.by_status) {
      if (status == InstanceStatus::kRunning) return n;
    }
    return uint64_t{0};
  };
  EXPECT_EQ(running(*answers[0]), 1u);
  EXPECT_EQ(running(*answers[2]), 2u) << "an answer older than its request";
  // Closing waits for the read in progress and answers it.
  stats->read(collect);
  stats.reset();
  EXPECT_EQ(answers.size(), 4u);
}

// The engine's queries on the real pool: none reads the store on the loop
// thread. The count is exact: loop-thread reads elsewhere (commands,
// recovery) do not happen while the engine is idle.
class LoopThreadReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
  }
  testing::EngineHarness h;
  testing::StepLog log{h.clock};
};

TEST_F(LoopThreadReadsTest, QueriesNeverReadTheStoreOnTheLoopThread) {
  auto offsets = [](DurationMs ms) { return nlohmann::json{{"offsets_ms", std::vector<DurationMs>{ms}}}; };
  ASSERT_TRUE(h.start("test.sequence", "q1", offsets(kHourMs)));
  ASSERT_TRUE(h.start("test.wait", "q2"));
  ASSERT_TRUE(h.start("test.sequence", "q3", offsets(0)));
  h.fire_timers();
  uint64_t before = h.engine->loop_thread_store_reads();

  auto described = h.describe("q1");
  ASSERT_TRUE(described) << described.error().to_string();
  EXPECT_FALSE(h.describe("ghost"));
  for (auto status : {std::optional<InstanceStatus>{}, std::optional{InstanceStatus::kWaiting}}) {
    ListQuery q;
    q.status = status;
    q.limit = 1;
    auto page = h.list(q);
    ASSERT_TRUE(page) << page.error().to_string();
    ASSERT_FALSE(page->next_cursor.empty());
    q.cursor = page->next_cursor;
    ASSERT_TRUE(h.list(q));
  }
  ListQuery by_type;
  by_type.type = "test.sequence";
  EXPECT_EQ(h.list(by_type)->instances.size(), 2u);
  EXPECT_FALSE(h.read_history("q2")->empty());
  EXPECT_EQ(h.timers()->size(), 1u);
  auto backlog = h.query<EventBacklog>([&](auto done) { h.engine->event_backlog(0, 100, std::move(done)); });
  ASSERT_TRUE(backlog) << backlog.error().to_string();
  EXPECT_FALSE(backlog->events.empty());
  bool counted = false;
  h.engine->stats([&](const Result<InstanceStats>& s) { counted = s.has_value(); });
  for (int i = 0; i < 100 && !counted; ++i) h.loop.run_once();
  EXPECT_TRUE(counted);

  EXPECT_EQ(h.engine->loop_thread_store_reads(), before) << "a query read the store on the loop thread";
}

// The same engine with a ManualWorkPool: a query is answered only when its
// pool job completes; closing the engine with one pending drops it cleanly.
TEST(EngineQueriesTest, AQueryWaitsForThePoolAndAClosingEngineDropsIt) {
  testing::EngineHarness h;
  testing::StepLog log{h.clock};
  register_test_workflows(h.registry, log);
  h.manual_pool = true;
  h.open();
  ASSERT_TRUE(h.start("test.wait", "m1"));
  std::optional<Result<InstanceRecord>> got;
  h.engine->describe("m1", [&](Result<InstanceRecord> r) { got = std::move(r); });
  h.loop.run_nowait();
  EXPECT_FALSE(got) << "answered before the pool ran it";
  ASSERT_EQ(h.pool->pending(), 1u);
  h.pool->complete_first();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, InstanceStatus::kWaiting);

  bool answered = false;
  h.engine->list(ListQuery{}, [&](Result<ListPage>) { answered = true; });
  h.close();
  EXPECT_FALSE(answered);
}

}  // namespace
}  // namespace sundial
