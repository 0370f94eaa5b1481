// End-to-end: the real sundiald binary starts on a data directory, says it
// is ready, and stops cleanly (exit 0) on SIGTERM and SIGINT.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

bool wait_for_line_containing(ChildProcess& child, const std::string& text) {
  while (auto line = child.read_line(20000)) {
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

void expect_clean_stop_on(int sig) {
  TempDir dir;
  ChildProcess daemon({SUNDIALD_PATH, "--data-dir", dir.sub("data")});
  ASSERT_TRUE(wait_for_line_containing(daemon, "sundiald ready"));
  EXPECT_TRUE(std::filesystem::exists(dir.sub("data") + "/CURRENT"));
  int status = daemon.signal_and_wait(sig);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DaemonTest, StopsCleanlyOnSigterm) { expect_clean_stop_on(SIGTERM); }

TEST(DaemonTest, StopsCleanlyOnSigint) { expect_clean_stop_on(SIGINT); }

TEST(DaemonTest, RestartsOnTheSameDataDirectory) {
  TempDir dir;
  for (int run = 0; run < 2; ++run) {
    ChildProcess daemon({SUNDIALD_PATH, "--data-dir", dir.sub("data")});
    ASSERT_TRUE(wait_for_line_containing(daemon, "sundiald ready"));
    int status = daemon.signal_and_wait(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST(DaemonTest, UnknownArgumentIsAUsageError) {
  ChildProcess daemon({SUNDIALD_PATH, "--no-such-flag"});
  auto status = daemon.wait_for_exit(20000);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
}

}  // namespace
}  // namespace sundial::testing
