// Defect 8 of issue 10: a damaged WAL must not be replayed silently up to
// the damage. A torn tail (a crash mid-write) still opens; damage before
// the end refuses to open, naming the file and the remedy; a salvage open
// keeps the prefix before the damage and reports what it dropped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/storage/rocksdb_store.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

namespace fs = std::filesystem;

constexpr int kRecords = 500;

std::string key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%04d", i);
  return buf;
}

// Writes kRecords acknowledged (synced) writes, one key each, and copies the
// data directory while the store is open — what a crash leaves: the data
// only in the WAL.
void write_and_copy(const std::string& live, const std::string& copy) {
  RocksDbOptions options;
  options.path = live;
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();
  for (int i = 0; i < kRecords; ++i) {
    Batch b;
    b.put(Cf::kInstances, key(i), std::string(100, 'v'));
    const Batch* one[] = {&b};
    ASSERT_TRUE((*store)->write(one));
  }
  fs::copy(live, copy, fs::copy_options::recursive);
}

// The biggest *.log file of `dir`: the WAL that holds the records.
std::string wal_file(const std::string& dir) {
  std::string best;
  uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.file_size() > best_size) {
      best = entry.path().string();
      best_size = entry.file_size();
    }
  }
  return best;
}

void flip_byte(const std::string& file, uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

int count_keys(Store& store) {
  int n = 0;
  EXPECT_TRUE(store.scan(Cf::kInstances, "", "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  }));
  return n;
}

class WalCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(write_and_copy(dir.sub("live"), dir.sub("copy"))); }
  RocksDbOptions copy_options(WalRecovery recovery = WalRecovery::kStrict) {
    RocksDbOptions options;
    options.path = dir.sub("copy");
    options.recovery = recovery;
    return options;
  }
  testing::TempDir dir;
};

TEST_F(WalCorruptionTest, AnIntactCopyOpensWithEveryRecord) {
  auto store = RocksDbStore::open(copy_options());
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(count_keys(**store), kRecords);
}

TEST_F(WalCorruptionTest, AByteFlippedInTheMiddleRefusesToOpenNamingTheFileAndTheRemedy) {
  std::string wal = wal_file(dir.sub("copy"));
  ASSERT_FALSE(wal.empty());
  flip_byte(wal, fs::file_size(wal) / 2);
  auto store = RocksDbStore::open(copy_options());
  ASSERT_FALSE(store) << "opened a WAL damaged in the middle; " << count_keys(**store) << " of " << kRecords
                      << " records survived";
  EXPECT_EQ(store.error().code, ErrorCode::kCorruption);
  EXPECT_NE(store.error().message.find(fs::path(wal).filename().string()), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("--recover=salvage"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("backup"), std::string::npos) << store.error().message;
}

TEST_F(WalCorruptionTest, ATornTailStillOpensWithEverythingBeforeIt) {
  std::string wal = wal_file(dir.sub("copy"));
  ASSERT_FALSE(wal.empty());
  fs::resize_file(wal, fs::file_size(wal) - 30);  // the last record cut short, as by a crash
  auto store = RocksDbStore::open(copy_options());
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(count_keys(**store), kRecords - 1);
  EXPECT_TRUE(*(*store)->get(Cf::kInstances, key(kRecords - 2)));
}

TEST_F(WalCorruptionTest, SalvageKeepsThePrefixBeforeTheDamageAndReportsWhatItDropped) {
  std::string wal = wal_file(dir.sub("copy"));
  flip_byte(wal, fs::file_size(wal) / 2);
  int kept = 0;
  {
    auto store = RocksDbStore::open(copy_options(WalRecovery::kSalvage));
    ASSERT_TRUE(store) << store.error().to_string();
    ASSERT_TRUE((*store)->salvage_report());
    const SalvageReport& report = *(*store)->salvage_report();
    EXPECT_TRUE(report.damage_found());
    EXPECT_GT(report.bytes_dropped, 0u);
    EXPECT_GT(report.records_dropped, 0u);
    ASSERT_EQ(report.damaged_files.size(), 1u);
    EXPECT_NE(report.damaged_files[0].find(fs::path(wal).filename().string()), std::string::npos);
    kept = count_keys(**store);
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, kRecords);
    // A prefix: every key before the damage, none after it.
    for (int i = 0; i < kept; ++i) EXPECT_TRUE(*(*store)->get(Cf::kInstances, key(i))) << key(i);
    // Every record is accounted for: kept, damaged, or dropped after the damage.
    EXPECT_LE(report.records_kept + report.records_dropped, uint64_t{kRecords} + 1);
    EXPECT_GE(report.records_kept + report.records_dropped + 1 + report.bytes_dropped / 100,
              uint64_t{kRecords});
    EXPECT_NE(report.to_string().find(std::to_string(report.records_dropped)), std::string::npos);
  }
  // The salvage is final: an ordinary open now finds no damage and the same records.
  auto store = RocksDbStore::open(copy_options());
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(count_keys(**store), kept);
}

TEST_F(WalCorruptionTest, SalvageOfAnUndamagedCopyDropsNothing) {
  auto store = RocksDbStore::open(copy_options(WalRecovery::kSalvage));
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_FALSE((*store)->salvage_report()->damage_found());
  EXPECT_EQ(count_keys(**store), kRecords);
}

TEST(CleanShutdownTest, LeavesTheDataInSstFilesNotOnlyInTheWal) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.sub("db");
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store) << store.error().to_string();
    for (int i = 0; i < 50; ++i) {
      Batch b;
      b.put(Cf::kInstances, key(i), "v");
      const Batch* one[] = {&b};
      ASSERT_TRUE((*store)->write(one));
    }
  }
  // Without its WAL files the data is still all there.
  for (const auto& entry : fs::directory_iterator(options.path)) {
    if (entry.path().extension() == ".log") fs::remove(entry.path());
  }
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(count_keys(**store), 50);
}

}  // namespace
}  // namespace sundial
