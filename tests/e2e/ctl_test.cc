// End-to-end: the real sundialctl against the real sundiald on port 0, and
// against a data directory read directly (--data-dir), with the server
// stopped and while it runs.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

struct CtlRun {
  int exit_code = -1;
  std::string out;  // stdout only
};

CtlRun ctl(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), SUNDIALCTL_PATH);
  ChildProcess child(args, ChildProcess::Stderr::kInherit, std::move(env));
  CtlRun run;
  auto status = child.wait_for_exit(30000);
  for (auto& line : child.take_lines()) run.out += line + "\n";
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  return run;
}

nlohmann::json json_of(const CtlRun& run) {
  auto j = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << run.out;
  return j;
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{},
                                             std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=ctl-token"});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
    server = "http://127.0.0.1:" + std::to_string(daemon->port());
  }
  void TearDown() override {
    if (daemon) daemon->stop();
  }
  CtlRun run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server, "--token", "ctl-token"});
    return ctl(std::move(args));
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::string server;
};

TEST_F(CtlTest, EveryVerbWithJsonOutput) {
  auto started =
      run({"-o", "json", "start", "bench.sleep_step", "--id", "c1", "--input", R"({"sleep_ms":86400000})"});
  ASSERT_EQ(started.exit_code, 0);
  EXPECT_EQ(json_of(started)["instance_id"], "c1");
  EXPECT_EQ(json_of(started)["created"], true);
  EXPECT_EQ(json_of(run({"-o", "json", "start", "bench.sleep_step", "--id", "c1"}))["created"], false);

  auto list = run({"-o", "json", "list", "--status", "waiting"});
  ASSERT_EQ(list.exit_code, 0);
  ASSERT_EQ(json_of(list)["instances"].size(), 1u);
  auto show = run({"-o", "json", "show", "c1"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(json_of(show)["status"], "waiting");
  EXPECT_EQ(json_of(run({"-o", "json", "history", "c1"}))["entries"][0]["event"], "started");
  EXPECT_EQ(json_of(run({"-o", "json", "timers", "--due-within", "2d"}))["timers"].size(), 1u);
  EXPECT_TRUE(json_of(run({"-o", "json", "timers", "--due-within", "1h"}))["timers"].empty());
  EXPECT_EQ(json_of(run({"-o", "json", "pause", "c1"}))["status"], "paused");
  EXPECT_EQ(json_of(run({"-o", "json", "resume", "c1", "--policy", "shift"}))["status"], "waiting");
  EXPECT_EQ(json_of(run({"-o", "json", "signal", "c1", "ping", "--data", R"({"n":1})"}))["status"],
            "waiting");
  EXPECT_EQ(json_of(run({"-o", "json", "stats"}))["instances"]["waiting"], 1);
  EXPECT_EQ(json_of(run({"-o", "json", "cancel", "c1", "--reason", "test"}))["status"], "cancelled");
  EXPECT_EQ(run({"retry", "c1"}).exit_code, 1);  // conflict: only failed instances
  auto events = run({"-o", "json", "events", "--since", "0", "--max", "2"});
  ASSERT_EQ(events.exit_code, 0);
  EXPECT_NE(events.out.find("\"instance_started\""), std::string::npos) << events.out;
}

TEST_F(CtlTest, TablesAndExitCodes) {
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", "t1", "--input", R"({"sleep_ms":86400000})"}).exit_code,
            0);
  auto table = run({"list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("ID"), std::string::npos);
  EXPECT_NE(table.out.find("in 23h 59m"), std::string::npos) << table.out;  // relative time
  EXPECT_EQ(table.out.find("\033["), std::string::npos);                    // no colour when not a TTY
  EXPECT_EQ(run({"show", "missing"}).exit_code, 3);
  EXPECT_EQ(run({"lst"}).exit_code, 2);
  EXPECT_EQ(run({"list", "--stauts", "x"}).exit_code, 2);
  EXPECT_EQ(run({"show"}).exit_code, 2);
  EXPECT_EQ(run({"--help"}).exit_code, 0);
  EXPECT_NE(run({"resume", "--help"}).out.find("--policy"), std::string::npos);
  EXPECT_EQ(ctl({"--server", server, "list"}).exit_code, 1);  // no token: 401
  EXPECT_EQ(ctl({"--server", "http://127.0.0.1:1", "list"}).exit_code, 1);
  // The token also comes from the environment.
  EXPECT_EQ(ctl({"--server", server, "list"}, {"SUNDIAL_ADMIN_TOKEN=ctl-token"}).exit_code, 0);
}

TEST_F(CtlTest, DataDirModeReadsARunningAndAStoppedServersData) {
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", "d1", "--input", R"({"sleep_ms":86400000})"}).exit_code,
            0);
  const std::string data = dir.sub("data");
  auto live = ctl({"--data-dir", data, "-o", "json", "show", "d1"});
  ASSERT_EQ(live.exit_code, 0);
  EXPECT_EQ(json_of(live)["status"], "waiting");
  EXPECT_EQ(ctl({"--data-dir", data, "pause", "d1"}).exit_code, 2);  // commands need the server
  daemon->stop();
  daemon.reset();
  auto list = ctl({"--data-dir", data, "-o", "json", "list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(json_of(list)["instances"][0]["id"], "d1");
  EXPECT_EQ(json_of(ctl({"--data-dir", data, "-o", "json", "history", "d1"}))["entries"].size(), 2u);
  EXPECT_EQ(json_of(ctl({"--data-dir", data, "-o", "json", "timers"}))["timers"].size(), 1u);
  EXPECT_EQ(json_of(ctl({"--data-dir", data, "-o", "json", "stats"}))["instances"]["waiting"], 1);
  EXPECT_EQ(ctl({"--data-dir", data, "show", "nope"}).exit_code, 3);
  EXPECT_EQ(ctl({"--data-dir", dir.sub("not-there"), "list"}).exit_code, 3);
}

TEST_F(CtlTest, UpgradeTakesAVersionPrefixAndReportsWhatMoved) {
  auto put = [&](const std::string& result) {
    HttpConnection c(daemon->port());
    auto reply = c.request("PUT", "/api/v1/workflows/up",
                           "return { run = function(ctx) ctx:wait('go') return " + result + " end }",
                           {{"Content-Type", "text/x-lua"}, {"Authorization", "Bearer ctl-token"}});
    EXPECT_TRUE(reply && reply->status / 100 == 2) << (reply ? reply->body : "no reply");
    return nlohmann::json::parse(reply ? reply->body : "{}")["version"].get<std::string>();
  };
  std::string v1 = put("1");
  ASSERT_EQ(run({"start", "up", "--id", "u1"}).exit_code, 0);
  std::string v2 = put("2");

  auto unknown = run({"upgrade", "up", "--from", "ffffffff"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
  auto missing = run({"upgrade", "up"});
  EXPECT_EQ(missing.exit_code, 2);
  auto moved = run({"upgrade", "up", "--from", v1.substr(0, 12)});
  EXPECT_EQ(moved.exit_code, 0) << moved.out;
  EXPECT_NE(
      moved.out.find("upgraded 1 instance(s) of up from " + v1.substr(0, 12) + " to " + v2.substr(0, 12)),
      std::string::npos)
      << moved.out;
  EXPECT_EQ(run({"upgrade", "up", "--from", v2}).exit_code, 1);  // already the current one
}

}  // namespace
}  // namespace sundial::testing
