// End-to-end, defect 8 of issue 10: sundiald refuses to start on a data
// directory whose WAL is damaged before its end (exit 1, the log names the
// file and the remedy), `--recover=salvage` repairs it and says what it
// dropped, and sundiald then serves from it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "engine/storage/rocksdb_store.h"
#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

// A data directory as a crash leaves it, its records only in the WAL, with
// one byte flipped in the middle of that WAL. Returns the WAL's file name.
std::string damaged_copy(const TempDir& dir, const std::string& copy) {
  RocksDbOptions options;
  options.path = dir.sub("live");
  auto store = RocksDbStore::open(options);
  EXPECT_TRUE(store) << store.error().to_string();
  if (!store) return {};
  for (int i = 0; i < 300; ++i) {
    Batch b;
    b.put(Cf::kMeta, "test-record-" + std::to_string(1000 + i), std::string(100, 'v'));
    const Batch* one[] = {&b};
    EXPECT_TRUE((*store)->write(one));
  }
  fs::copy(options.path, copy, fs::copy_options::recursive);
  fs::path wal;
  for (const auto& entry : fs::directory_iterator(copy)) {
    if (entry.path().extension() == ".log" && (wal.empty() || entry.file_size() > fs::file_size(wal))) {
      wal = entry.path();
    }
  }
  std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
  auto middle = static_cast<std::streamoff>(fs::file_size(wal) / 2);
  f.seekg(middle);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(middle);
  f.write(&c, 1);
  return wal.filename().string();
}

TEST(StorageRecoveryTest, ADamagedWalRefusesToStartAndSalvageRepairsIt) {
  TempDir dir;
  std::string data = dir.sub("copy");
  std::string wal = damaged_copy(dir, data);
  ASSERT_FALSE(wal.empty());

  std::string refused;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "127.0.0.1:0", "--data-dir", data}, &refused), 1);
  EXPECT_NE(refused.find(wal), std::string::npos) << refused;
  EXPECT_NE(refused.find("--recover=salvage"), std::string::npos) << refused;

  std::string salvaged;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--data-dir", data, "--recover=salvage"}, &salvaged), 0);
  EXPECT_NE(salvaged.find("dropped"), std::string::npos) << salvaged;
  EXPECT_NE(salvaged.find(wal), std::string::npos) << salvaged;

  DaemonProcess daemon(data);
  ASSERT_GT(daemon.port(), 0) << daemon.log();
  HttpConnection c(daemon.port());
  auto ready = c.request("GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

TEST(StorageRecoveryTest, RecoverTakesOnlySalvage) {
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--recover=lenient"}, &output), 2);
  EXPECT_NE(output.find("salvage"), std::string::npos) << output;
}

}  // namespace
}  // namespace sundial::testing
