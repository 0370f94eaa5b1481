#include "engine/storage/commit_queue.h"

#include <gtest/gtest.h>

#include "engine/storage/rocksdb_store.h"
#include "tests/support/faulty_store.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbOptions options;
    options.path = dir.sub("db");
    auto opened = RocksDbStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto faulty = std::make_unique<testing::FaultyStore>(std::move(*opened));
    store = faulty.get();
    owned = std::move(faulty);
  }
  void run_until_answered(CommitQueue& q) {
    while (q.in_flight() > 0) loop.run_once();
  }

  testing::TempDir dir;
  Loop loop;
  std::unique_ptr<Store> owned;
  testing::FaultyStore* store = nullptr;
};

Batch put(const std::string& key) {
  Batch b;
  b.put(Cf::kInstances, key, "v");
  return b;
}

TEST_F(CommitQueueTest, GroupsOneLoopTurnIntoOneSyncedWrite) {
  CommitQueue q(*store, loop);
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    q.submit(put("k" + std::to_string(i)), [&](Result<void> r) {
      EXPECT_TRUE(r);
      ++answered;
    });
  }
  EXPECT_EQ(answered, 0);  // never answered inside submit
  run_until_answered(q);
  EXPECT_EQ(answered, 100);
  EXPECT_EQ(q.stats().writes, 1u);
  EXPECT_EQ(q.stats().batches, 100u);
  EXPECT_TRUE(*store->get(Cf::kInstances, "k99"));
}

TEST_F(CommitQueueTest, AFailedWriteFailsItsBatchesAndLaterOnesUntilCleared) {
  CommitQueue q(*store, loop);
  store->fail_write(1);
  std::vector<bool> results;
  q.submit(put("a"), [&](Result<void> r) { results.push_back(r.has_value()); });
  run_until_answered(q);
  q.submit(put("b"), [&](Result<void> r) { results.push_back(r.has_value()); });
  run_until_answered(q);
  EXPECT_EQ(results, (std::vector<bool>{false, false}));
  EXPECT_FALSE(*store->get(Cf::kInstances, "a"));
  EXPECT_FALSE(*store->get(Cf::kInstances, "b"));
  q.clear_failure();
  q.submit(put("c"), [&](Result<void> r) { results.push_back(r.has_value()); });
  run_until_answered(q);
  EXPECT_TRUE(results.back());
  EXPECT_TRUE(*store->get(Cf::kInstances, "c"));
}

TEST_F(CommitQueueTest, ShutdownWritesAndAnswersWhatIsQueued) {
  int answered = 0;
  {
    CommitQueue q(*store, loop);
    q.submit(put("last"), [&](Result<void> r) {
      EXPECT_TRUE(r);
      ++answered;
    });
    q.shutdown();
  }
  EXPECT_EQ(answered, 1);
  EXPECT_TRUE(*store->get(Cf::kInstances, "last"));
}

}  // namespace
}  // namespace sundial
