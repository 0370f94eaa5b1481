// End-to-end: the real sundiald binary starts on a data directory and port
// 0, serves, and stops cleanly (exit 0) on SIGTERM and SIGINT; bad flags
// and unsafe settings are refused at start-up with a message. Issue 21,
// installing and running it: --version on every binary, build and process
// metrics, one sundiald per data directory, a usage error in two lines,
// the port logged at every level, no bench.* types unless asked for, the
// webhook secret to set named, and an installed layout found from any cwd.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <memory>
#include <filesystem>
#include <fstream>
#include <regex>

#include "sundial_version.h"
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

// A viewer token equal to the admin token would be an admin: refused.
TEST(DaemonTest, TwoRolesWithTheSameTokenAreRefused) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "127.0.0.1:0", "--data-dir", dir.sub("data")}, &output,
                         {"SUNDIAL_ADMIN_TOKEN=same-token", "SUNDIAL_VIEWER_TOKEN=same-token"}),
            2);
  EXPECT_NE(output.find("$SUNDIAL_ADMIN_TOKEN and $SUNDIAL_VIEWER_TOKEN hold the same token"), std::string::npos)
      << output;
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

namespace fs = std::filesystem;

// The port of a sundiald started by hand, from its "listening" line; 0 if
// it exits or says nothing within 20 s.
int listening_port(ChildProcess& child) {
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  while (auto line = child.read_line(20000)) {
    std::smatch m;
    if (std::regex_search(*line, m, listening)) return std::stoi(m[1]);
  }
  return 0;
}

TEST(DaemonTest, EveryBinaryPrintsItsVersion) {
  for (auto [path, name] :
       std::vector<std::pair<std::string, std::string>>{{SUNDIALD_PATH, "sundiald"},
                                                        {SUNDIALCTL_PATH, "sundialctl"},
                                                        {SUNDIAL_BENCH_PATH, "sundial-bench"},
                                                        {SUNDIAL_BENCH_PROBE_PATH, "sundial-bench-probe"}}) {
    std::string output;
    EXPECT_EQ(exit_code_of({path, "--version"}, &output), 0) << name;
    EXPECT_EQ(output, version_text(name)) << name;
    EXPECT_EQ(output.rfind(name + " " + std::string(build_version()), 0), 0u) << output;
  }
}

TEST(DaemonTest, MetricsShowTheBuildAndTheProcess) {
  TempDir dir;
  DaemonProcess daemon(dir.sub("data"));
  ASSERT_GT(daemon.port(), 0) << daemon.log();
  HttpConnection c(daemon.port());
  auto metrics = c.request("GET", "/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  std::string commit = build_commit().empty() ? "unknown" : std::string(build_commit());
  EXPECT_NE(metrics->body.find("sundial_build_info{version=\"" + std::string(build_version()) +
                               "\",commit=\"" + commit + "\"} 1\n"),
            std::string::npos)
      << metrics->body;
  for (const char* name : {"process_start_time_seconds ", "process_resident_memory_bytes ",
                           "process_open_fds ", "process_cpu_seconds_total "}) {
    EXPECT_NE(metrics->body.find(std::string("\n") + name), std::string::npos) << name;
  }
  EXPECT_NE(daemon.log().find("sundiald " + std::string(build_version())), std::string::npos) << daemon.log();
}

TEST(DaemonTest, ASecondSundialdOnTheSameDataDirectoryIsRefusedNamingTheFirst) {
  TempDir dir;
  std::string data = dir.sub("data");
  auto first = std::make_unique<DaemonProcess>(data);
  ASSERT_GT(first->port(), 0) << first->log();
  std::string pid;
  std::ifstream(data + "/sundiald.pid") >> pid;
  ASSERT_FALSE(pid.empty());
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "127.0.0.1:0", "--data-dir", data}, &output), 1);
  EXPECT_NE(output.find("data directory " + data + " is in use by another sundiald (pid " + pid + ")"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("LOCK"), std::string::npos) << output;  // not RocksDB's error
  // --recover=salvage would open it too: refused the same way.
  output.clear();
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--data-dir", data, "--recover=salvage"}, &output), 1);
  EXPECT_NE(output.find("is in use by another sundiald"), std::string::npos) << output;
  // The lock goes with its process, kill -9 included.
  first->kill();
  DaemonProcess next(data);
  EXPECT_GT(next.port(), 0) << next.log();
}

TEST(DaemonTest, AConfigErrorPrintsTheErrorAndAPointerToHelp) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--listen", "nonsense"}, &output), 2);
  EXPECT_EQ(output, "sundiald: --listen: 'nonsense' is not host:port\nrun sundiald --help for usage\n");
  std::ofstream(dir.sub("bad.toml")) << "[server\nlisten = 1\n";
  output.clear();
  EXPECT_EQ(exit_code_of({SUNDIALD_PATH, "--config", dir.sub("bad.toml")}, &output), 2);
  EXPECT_EQ(output.rfind("sundiald: " + dir.sub("bad.toml") + ":", 0), 0u) << output;
  EXPECT_NE(output.find("\nrun sundiald --help for usage\n"), std::string::npos) << output;
  EXPECT_EQ(output.find("usage: sundiald"), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 2) << output;
}

// Scripts read the port sundiald picked from its "listening" line, whatever
// the level and the format.
TEST(DaemonTest, ThePickedPortIsLoggedAtEveryLevel) {
  TempDir dir;
  std::ofstream(dir.sub("json.toml")) << "[server]\nlog_format = \"json\"\nlog_level = \"error\"\n";
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"--log-level", "error"},
                                             {"--log-level", "warn"},
                                             {"--log-level=warning"},
                                             {"--config", dir.sub("json.toml")}}) {
    SCOPED_TRACE(args.back());
    DaemonProcess daemon(dir.sub("data"), args);
    EXPECT_GT(daemon.port(), 0) << daemon.log();
    EXPECT_EQ(daemon.log().find("sundiald ready"), std::string::npos) << daemon.log();  // info is off
    int status = daemon.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon.log();
  }
}

// `binary` as production runs it: no --bench-workflows (DaemonProcess
// passes it), its log merged into its output.
std::unique_ptr<ChildProcess> start_as_in_production(const std::string& binary, const std::string& data_dir) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir},
      ChildProcess::Stderr::kMergeIntoStdout);
}

// The body of GET /api/v1/workflows; empty (and a failure) when none came.
std::string workflow_types(int port) {
  HttpConnection c(port);
  auto types = c.request("GET", "/api/v1/workflows");
  EXPECT_TRUE(types && types->status == 200);
  return types ? types->body : std::string();
}

TEST(DaemonTest, AProductionServerHasNoBenchTypes) {
  TempDir dir;
  auto plain = start_as_in_production(SUNDIALD_PATH, dir.sub("data"));
  int port = listening_port(*plain);
  ASSERT_GT(port, 0) << plain->output();
  std::string types = workflow_types(port);
  EXPECT_EQ(types.find("bench."), std::string::npos) << types;
  EXPECT_NE(types.find("\"nurture\""), std::string::npos) << types;
  HttpConnection c(port);
  auto start = c.request("POST", "/api/v1/workflows/bench.sleep_step/instances", "{}",
                         {{"Content-Type", "application/json"}});
  ASSERT_TRUE(start);
  EXPECT_EQ(start->status, 404) << start->body;
  int status = plain->signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << plain->output();
}

TEST(DaemonTest, ASigningRouteWithoutItsSecretNamesTheVariable) {
  TempDir dir;
  DaemonProcess daemon(dir.sub("data"), {}, {"CALCOM_WEBHOOK_SECRET="});
  ASSERT_GT(daemon.port(), 0) << daemon.log();
  EXPECT_NE(daemon.log().find(
                "webhook route 'calcom' (/webhooks/calcom) has no secret: set $CALCOM_WEBHOOK_SECRET"),
            std::string::npos)
      << daemon.log();
  HttpConnection c(daemon.port());
  auto refused = c.request("POST", "/webhooks/calcom", "{}",
                           {{"Content-Type", "application/json"}, {"X-Cal-Signature-256", "00"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("set the environment variable CALCOM_WEBHOOK_SECRET"), std::string::npos)
      << refused->body;
}

// What `cmake --install` lays out (bin/, share/sundial/), copied by hand:
// the binary finds its templates and scripts beside it, from any working
// directory, and names where it looked when they are missing.
TEST(DaemonTest, AnInstalledSundialdFindsItsSharedFiles) {
  TempDir dir;
  fs::path prefix = dir.sub("prefix");
  fs::create_directories(prefix / "bin");
  fs::copy_file(SUNDIALD_PATH, prefix / "bin" / "sundiald");
  std::string installed = (prefix / "bin" / "sundiald").string();
  std::string output;
  EXPECT_EQ(exit_code_of({installed, "--listen", "127.0.0.1:0", "--data-dir", dir.sub("data")}, &output), 2);
  EXPECT_NE(output.find((prefix / "share" / "sundial" / "templates" / "nurture").string()), std::string::npos)
      << output;
  fs::create_directories(prefix / "share" / "sundial");
  fs::copy(SUNDIAL_SOURCE_DIR "/templates", prefix / "share" / "sundial" / "templates",
           fs::copy_options::recursive);
  for (const auto& family : fs::directory_iterator(SUNDIAL_SOURCE_DIR "/workflows")) {
    if (!family.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(family.path())) {
      if (file.path().extension() != ".lua") continue;
      fs::path to = prefix / "share" / "sundial" / "workflows" / family.path().filename();
      fs::create_directories(to);
      fs::copy_file(file.path(), to / file.path().filename());
    }
  }
  auto child = start_as_in_production(installed, dir.sub("data"));
  int port = listening_port(*child);
  ASSERT_GT(port, 0) << child->output();
  std::string types = workflow_types(port);
  for (const char* type : {"\"nurture\"", "\"reminders\"", "\"notion_rollup\""}) {
    EXPECT_NE(types.find(type), std::string::npos) << type << types;
  }
  EXPECT_EQ(types.find("bench."), std::string::npos) << types;
  int status = child->signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << child->output();
}

}  // namespace
}  // namespace sundial::testing
