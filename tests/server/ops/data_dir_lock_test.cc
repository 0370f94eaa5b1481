// One sundiald per data directory (server/ops/data_dir_lock.h): a second
// lock on the same directory is refused naming the holder's pid, the lock
// goes with its holder, and the directory is made when missing. flock(2)
// locks belong to an open file, so two locks in one process conflict as
// two processes would (the e2e test runs two sundiald).
#include "server/ops/data_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "tests/support/temp_dir.h"

namespace sundial::ops {
namespace {

TEST(DataDirLockTest, ASecondHolderIsRefusedNamingThePid) {
  testing::TempDir dir;
  std::string data = dir.sub("data");
  auto first = DataDirLock::acquire(data);
  ASSERT_TRUE(first) << first.error().message;
  std::ifstream pid_file(data + "/sundiald.pid");
  std::string pid;
  pid_file >> pid;
  EXPECT_EQ(pid, std::to_string(::getpid()));
  auto second = DataDirLock::acquire(data);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(second.error().message, "data directory " + data + " is in use by another sundiald (pid " +
                                        std::to_string(::getpid()) + ")");
}

TEST(DataDirLockTest, TheLockGoesWithItsHolder) {
  testing::TempDir dir;
  std::string data = dir.sub("data");
  {
    auto first = DataDirLock::acquire(data);
    ASSERT_TRUE(first) << first.error().message;
  }
  // The file stays behind (as after kill -9); only the lock counts.
  EXPECT_TRUE(std::filesystem::exists(data + "/sundiald.pid"));
  auto again = DataDirLock::acquire(data);
  ASSERT_TRUE(again) << again.error().message;
  std::optional<DataDirLock> moved(std::move(*again));
  EXPECT_FALSE(DataDirLock::acquire(data));
  moved.reset();
  EXPECT_TRUE(DataDirLock::acquire(data));
}

TEST(DataDirLockTest, MakesAMissingDirectoryAndReportsOneItCannotMake) {
  testing::TempDir dir;
  EXPECT_TRUE(DataDirLock::acquire(dir.sub("a/b/c")));
  EXPECT_TRUE(std::filesystem::is_directory(dir.sub("a/b/c")));
  std::ofstream(dir.sub("file")) << "x";
  auto refused = DataDirLock::acquire(dir.sub("file/data"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kIoError);
  EXPECT_NE(refused.error().message.find(dir.sub("file/data")), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace sundial::ops
