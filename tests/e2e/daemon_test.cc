// End-to-end: the real sundiald binary starts on a data directory and port
// 0, serves, and stops cleanly (exit 0) on SIGTERM and SIGINT; bad flags
// and unsafe settings are refused at start-up with a message.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

TEST(DaemonTest, StopsCleanlyOnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    DaemonProcess daemon(dir.sub("data"));
    ASSERT_GT(daemon.port(), 0) << daemon.log();
    EXPECT_TRUE(std::filesystem::exists(dir.sub("data") + "/CURRENT"));
    HttpConnection c(daemon.port());
    auto health = c.request("GET", "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    int status = daemon.stop(sig);
    ASSERT_TRUE(WIFEXITED(status)) << daemon.log();
    EXPECT_EQ(WEXITSTATUS(status), 0) << daemon.log();
    EXPECT_NE(daemon.log().find("sundiald stopped"), std::string::npos) << daemon.log();
  }
}

TEST(DaemonTest, RestartsOnTheSameDataDirectory) {
  TempDir dir;
  for (int run = 0; run < 2; ++run) {
    DaemonProcess daemon(dir.sub("data"));
    ASSERT_GT(daemon.port(), 0) << daemon.log();
    int status = daemon.stop();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST(DaemonTest, UnknownFlagIsAUsageErrorWithASuggestion) {
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--lisen", "127.0.0.1:0"}, &output), 2);
  EXPECT_NE(output.find("did you mean '--listen'"), std::string::npos) << output;
}

TEST(DaemonTest, BadConfigKeyIsAStartUpErrorNamingTheKey) {
  TempDir dir;
  std::ofstream(dir.sub("sundial.toml")) << "[server]\nlisten = \"127.0.0.1:0\"\nmax_body_byte = 5\n";
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--config", dir.sub("sundial.toml")}, &output), 2);
  EXPECT_NE(output.find("server.max_body_byte"), std::string::npos) << output;
}

TEST(DaemonTest, RefusesNonLoopbackWithoutAnAdminToken) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "0.0.0.0:0", "--data-dir", dir.sub("data")}, &output,
                         {"SUNDIAL_ADMIN_TOKEN="}),
            1);
  EXPECT_NE(output.find("without an admin token"), std::string::npos) << output;
}

TEST(DaemonTest, AddressInUseIsReported) {
  TempDir dir;
  DaemonProcess first(dir.sub("a"));
  ASSERT_GT(first.port(), 0);
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "127.0.0.1:" + std::to_string(first.port()),
                          "--data-dir", dir.sub("b")},
                         &output),
            1);
  EXPECT_NE(output.find("address already in use"), std::string::npos) << output;
}

}  // namespace
}  // namespace sundial::testing
