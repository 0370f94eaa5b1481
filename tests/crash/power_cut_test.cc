// Power cuts: what a disk keeps when the power fails is what was synced.
// PowerCutFs (tests/support/power_cut_fs.h) drops every unsynced byte at the
// cut. First the tool itself on a bare RocksDB; then the engine in the crash
// child, its power cut after a random number of acknowledged starts or
// during a random sync of its write-ahead log, followed by recovery.h's
// checks: everything acknowledged is there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <random>

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include "tests/crash/recovery.h"
#include "tests/support/child_process.h"
#include "tests/support/power_cut_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kRounds = 6;

std::optional<std::string> read_key(const std::string& path, const std::string& key) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  auto s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return std::nullopt;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  return db->Get(rocksdb::ReadOptions(), key, &value).ok() ? std::optional(value) : std::nullopt;
}

TEST(PowerCutFsTest, APowerCutKeepsSyncedWritesAndDropsTheRest) {
  TempDir dir;
  const std::string path = dir.sub("db");
  auto fs = std::make_shared<PowerCutFs>();
  auto env = rocksdb::NewCompositeEnv(fs);
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.env = env.get();
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    ASSERT_TRUE(db->Put(synced, "synced", "1").ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "unsynced", "2").ok());
    auto cut = fs->cut();
    EXPECT_GT(cut.dropped_wal_bytes, 0u);
    EXPECT_FALSE(db->Put(synced, "after", "3").ok()) << "a write after the cut succeeded";
  }  // closing after the cut writes nothing
  EXPECT_EQ(read_key(path, "synced"), "1");
  EXPECT_EQ(read_key(path, "unsynced"), std::nullopt);
  EXPECT_EQ(read_key(path, "after"), std::nullopt);
}

TEST(PowerCutTest, AcknowledgedWorkSurvivesAPowerCut) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log = dir.sub("steps.log");
  size_t total_acked = 0;
  uint64_t dropped_at_sync = 0;
  for (int round = 0; round < kRounds; ++round) {
    // Even rounds cut between acknowledgements, odd ones inside a WAL sync.
    const bool at_sync = round % 2 == 1;
    const std::string mode = at_sync ? "--power-cut-at-wal-sync=" + std::to_string(std::uniform_int_distribution<int>(1, 30)(rng))
                                     : "--power-cut-after=" + std::to_string(std::uniform_int_distribution<int>(1, 400)(rng));
    SCOPED_TRACE("round " + std::to_string(round) + ": " + mode);
    const std::string prefix = "p" + std::to_string(round);
    ChildProcess child({SUNDIAL_CRASH_CHILD, data, log, prefix, mode});
    auto status = child.wait_for_exit(60000);
    ASSERT_TRUE(status) << "the power was never cut";
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
    std::vector<std::string> lines = child.take_lines();
    ASSERT_FALSE(lines.empty());
    ASSERT_TRUE(lines.back().starts_with("CUT ")) << lines.back();
    if (at_sync) dropped_at_sync += std::stoull(lines.back().substr(4));
    Acks acks = parse_acks(lines);
    total_acked += acks.started.size();
    recover_and_check(data, log, "recovery-" + prefix, acks);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(total_acked, 0u);
  // A cut inside a sync drops the record being synced: the test did cut
  // through unsynced data, not only between whole writes.
  EXPECT_GT(dropped_at_sync, 0u);
  std::printf("power cut test: %d rounds, %zu acknowledged starts, %llu unsynced WAL bytes dropped in syncs, seed %u\n",
              kRounds, total_acked, static_cast<unsigned long long>(dropped_at_sync), seed);
}

}  // namespace
}  // namespace sundial::testing
