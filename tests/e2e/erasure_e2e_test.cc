// End-to-end erasure (issue 22): a Lua type declares `email` as a search
// attribute; `sundialctl list --attr` finds a person's instances, `sundialctl
// erase --attr ... --dry-run` lists them and changes nothing, `--yes` erases
// them (the running one cancelled first), and after a restart they are
// gone while another person's instance stays; the audit log records the
// erasure and no longer names the erased instances.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

const std::map<std::string, std::string> kErasureHeaders = {{"Content-Type", "application/json"},
                                                     {"Authorization", "Bearer erase-token"}};

struct ErasureRun {
  int exit_code = -1;
  std::string out;
};

ErasureRun erasure_ctl(int port, std::vector<std::string> args) {
  args.insert(args.begin(), {SUNDIALCTL_PATH, "--server", "http://127.0.0.1:" + std::to_string(port), "--token",
                             "erase-token"});
  ChildProcess child(std::move(args), ChildProcess::Stderr::kMergeIntoStdout);
  ErasureRun r;
  auto status = child.wait_for_exit(30000);
  for (auto& line : child.take_lines()) r.out += line + "\n";
  if (status && WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  return r;
}

TEST(ErasureE2E, SundialctlFindsAndErasesAPersonsInstances) {
  TempDir dir;
  auto daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{},
                                                std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=erase-token"});
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  HttpConnection c(daemon->port());
  auto uploaded = c.request("PUT", "/api/v1/workflows/signup", R"lua(return {
  search_attributes = { "email" },
  run = function(ctx, input) if input.wait then ctx:wait({ "go" }) end end,
})lua",
                            {{"Content-Type", "text/x-lua"}, {"Authorization", "Bearer erase-token"}});
  ASSERT_TRUE(uploaded && uploaded->status / 100 == 2) << (uploaded ? uploaded->body : "");
  for (const auto& [id, email, wait] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"s-ada-1", "ada@example.com", true}, {"s-ada-2", "ada@example.com", false}, {"s-bob", "bob@example.com", true}}) {
    auto started = c.request("POST", "/api/v1/workflows/signup/instances",
                             nlohmann::json{{"id", id}, {"input", {{"email", email}, {"wait", wait}}}}.dump(), kErasureHeaders);
    ASSERT_TRUE(started && started->status == 201) << (started ? started->body : "");
  }

  ErasureRun listed = erasure_ctl(daemon->port(), {"-o", "json", "list", "--attr", "email=ada@example.com"});
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  auto ids = nlohmann::json::parse(listed.out)["instances"];
  ASSERT_EQ(ids.size(), 2u) << listed.out;

  ErasureRun dry = erasure_ctl(daemon->port(), {"erase", "--attr", "email=ada@example.com", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_NE(dry.out.find("would erase 2 instances"), std::string::npos) << dry.out;
  ErasureRun refused = erasure_ctl(daemon->port(), {"erase", "--attr", "email=ada@example.com"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out;  // stdin is not a terminal, and no --yes
  ErasureRun erased = erasure_ctl(daemon->port(), {"erase", "--attr", "email=ada@example.com", "--yes"});
  ASSERT_EQ(erased.exit_code, 0) << erased.out;
  EXPECT_NE(erased.out.find("erased 2 instances (1 cancelled first)"), std::string::npos) << erased.out;

  EXPECT_EQ(daemon->stop(), 0);
  daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{},
                                           std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=erase-token"});
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  HttpConnection again(daemon->port());
  for (const char* id : {"s-ada-1", "s-ada-2"}) {
    auto r = again.request("GET", std::string("/api/v1/instances/") + id, {}, kErasureHeaders);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << id;
  }
  auto bob = again.request("GET", "/api/v1/instances/s-bob", {}, kErasureHeaders);
  ASSERT_TRUE(bob && bob->status == 200);
  // The audit log keeps who started and erased what, without the erased ids.
  auto audit = again.request("GET", "/api/v1/audit?limit=1000", {}, kErasureHeaders);
  ASSERT_TRUE(audit && audit->status == 200) << (audit ? audit->body : "");
  EXPECT_EQ(audit->body.find("s-ada-"), std::string::npos) << audit->body;
  EXPECT_NE(audit->body.find("POST /api/v1/erasure"), std::string::npos) << audit->body;
  EXPECT_NE(audit->body.find("(erased)"), std::string::npos) << audit->body;
  EXPECT_EQ(daemon->log().find("ada@example.com"), std::string::npos) << "the log names the person";
  daemon->stop();
}

}  // namespace
}  // namespace sundial::testing
