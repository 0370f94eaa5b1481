// Defects 9 and 10 of issue 10, through a fault-injecting FileSystem under
// the real RocksDB: a full disk or an EIO on sync fails writes with
// storage_unavailable and turns the engine not ready at once, reads keep
// working, the store is reopened in-process once the fault clears, and
// nothing acknowledged is lost. Also the FileSystem's own power-cut model
// (the crash tests cut the power of a whole engine with it).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include "engine/storage/rocksdb_store.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/fault_injection_fs.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::FaultInjectionFs;
using testing::StepLog;

// Runs the loop until `done` or 20 s pass (the store reopens with a backoff
// of at most 5 s).
template <typename Pred>
bool poll_until(EngineHarness& h, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    h.loop.run_nowait();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log);
    h.options.storage.file_system = fault;
    ASSERT_NO_FATAL_FAILURE(h.open());
    ASSERT_TRUE(h.start("test.sequence", "before", {{"offsets_ms", {kHourMs}}}));
  }

  // A write under the fault fails with storage_unavailable and the engine
  // says why it is not ready; reads keep working.
  void expect_write_refused_and_reads_served() {
    auto refused = h.start("test.sequence", "during", {{"offsets_ms", {kHourMs}}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kStorageUnavailable) << refused.error().to_string();
    auto why = h.engine->not_ready_reason();
    ASSERT_TRUE(why) << "the engine says it is ready while storage cannot write";
    EXPECT_EQ(why->code, ErrorCode::kStorageUnavailable);
    EXPECT_FALSE(why->message.empty());
    EXPECT_FALSE(h.engine->ready());
    auto read = h.describe("before");
    ASSERT_TRUE(read) << read.error().to_string();
    EXPECT_EQ(read->status, InstanceStatus::kWaiting);
  }

  // Once the fault clears the engine is ready again by itself, takes
  // writes, and everything acknowledged survives a restart.
  void expect_recovery_after_clearing() {
    fault->reset();
    ASSERT_TRUE(poll_until(h, [&] { return !h.engine->not_ready_reason(); }))
        << h.engine->not_ready_reason()->to_string();
    auto after = h.start("test.sequence", "after", {{"offsets_ms", {kHourMs}}});
    ASSERT_TRUE(after) << after.error().to_string();
    h.reopen();
    EXPECT_EQ(h.status("before"), InstanceStatus::kWaiting);
    EXPECT_EQ(h.status("after"), InstanceStatus::kWaiting);
    h.advance(kHourMs);
    EXPECT_EQ(log.count("before", "send-1"), 1u);
    EXPECT_EQ(log.count("after", "send-1"), 1u);
  }

  std::shared_ptr<FaultInjectionFs> fault = std::make_shared<FaultInjectionFs>();
  EngineHarness h;
  StepLog log{h.clock};
};

TEST_F(StorageFaultsTest, DiskFullRefusesWritesKeepsReadsAndRecoversWhenSpaceIsFreed) {
  fault->fail_writes_with_no_space(true);
  ASSERT_NO_FATAL_FAILURE(expect_write_refused_and_reads_served());
  // Still full a while later: still refused, still not ready, still reading.
  ASSERT_TRUE(poll_until(h, [&] { return fault->injected_failures() > 3; }));
  ASSERT_NO_FATAL_FAILURE(expect_write_refused_and_reads_served());
  ASSERT_NO_FATAL_FAILURE(expect_recovery_after_clearing());
}

TEST_F(StorageFaultsTest, EioOnSyncRefusesWritesAndTheStoreIsReopenedOnceItClears) {
  fault->fail_syncs_with_io_error(true);
  ASSERT_NO_FATAL_FAILURE(expect_write_refused_and_reads_served());
  ASSERT_TRUE(poll_until(h, [&] { return fault->injected_failures() > 3; }));
  ASSERT_NO_FATAL_FAILURE(expect_write_refused_and_reads_served());
  ASSERT_NO_FATAL_FAILURE(expect_recovery_after_clearing());
}

TEST_F(StorageFaultsTest, AFaultThatClearsAtOnceCostsOneWriteAndNoRestart) {
  fault->fail_syncs_with_io_error(true);
  auto refused = h.start("test.sequence", "during", {{"offsets_ms", {kHourMs}}});
  ASSERT_FALSE(refused);
  ASSERT_NO_FATAL_FAILURE(expect_recovery_after_clearing());
}

TEST(StorageFaultsOpenTest, StartingOnAFullDiskFailsWithAClearMessage) {
  testing::TempDir dir;
  auto fault = std::make_shared<FaultInjectionFs>();
  RocksDbOptions options;
  options.path = dir.sub("db");
  options.file_system = fault;
  { ASSERT_TRUE(RocksDbStore::open(options)); }
  fault->fail_writes_with_no_space(true);
  auto store = RocksDbStore::open(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStorageUnavailable) << store.error().to_string();
  EXPECT_NE(store.error().message.find("disk is full"), std::string::npos) << store.error().message;
  fault->reset();
  EXPECT_TRUE(RocksDbStore::open(options));
}

// Also across a reopen: what the file held when it was reopened is durable
// only as far as its last sync covered.
TEST(FaultInjectionFsTest, APowerCutDropsWhatWasNotSynced) {
  testing::TempDir dir;
  auto fault = std::make_shared<FaultInjectionFs>();
  std::string path = dir.sub("file");
  std::unique_ptr<rocksdb::FSWritableFile> file;
  ASSERT_TRUE(fault->NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append("synced|", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(file->Sync(rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(file->Append("lost|", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(fault->ReopenWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append("lost too", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(file->Flush(rocksdb::IOOptions(), nullptr).ok());
  auto cut = fault->power_cut();
  EXPECT_EQ(cut.dropped_bytes, std::string("lost|lost too").size());
  EXPECT_FALSE(file->Append("after", rocksdb::IOOptions(), nullptr).ok());
  file.reset();
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "synced|");
}

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

TEST(FaultInjectionFsTest, APowerCutUnderRocksDbKeepsSyncedWritesAndDropsTheRest) {
  testing::TempDir dir;
  const std::string path = dir.sub("db");
  auto fault = std::make_shared<FaultInjectionFs>();
  auto env = rocksdb::NewCompositeEnv(fault);
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
    auto cut = fault->power_cut();
    EXPECT_GT(cut.dropped_wal_bytes, 0u);
    EXPECT_FALSE(db->Put(synced, "after", "3").ok()) << "a write after the cut succeeded";
  }  // closing after the cut writes nothing
  EXPECT_EQ(read_key(path, "synced"), "1");
  EXPECT_EQ(read_key(path, "unsynced"), std::nullopt);
  EXPECT_EQ(read_key(path, "after"), std::nullopt);
}

TEST(FaultInjectionFsTest, SyncedWritesSurviveAPowerCutOfTheStore) {
  testing::TempDir dir;
  auto fault = std::make_shared<FaultInjectionFs>();
  RocksDbOptions options;
  options.path = dir.sub("db");
  options.file_system = fault;
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store) << store.error().to_string();
    for (int i = 0; i < 20; ++i) {
      Batch b;
      b.put(Cf::kInstances, "k" + std::to_string(i), "v");
      const Batch* one[] = {&b};
      ASSERT_TRUE((*store)->write(one));
    }
    fault->power_cut();  // the store closes on a dead disk: its shutdown flush fails
  }
  fault->reset();
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(*(*store)->get(Cf::kInstances, "k" + std::to_string(i)));
}

}  // namespace
}  // namespace sundial
