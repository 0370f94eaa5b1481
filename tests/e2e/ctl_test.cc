// End-to-end: the real sundialctl against the real sundiald on port 0, and
// against a data directory read directly (--data-dir), with the server
// stopped and while it runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

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

CtlRun ctl(std::vector<std::string> args, std::vector<std::string> env = {},
           ChildProcess::Stderr stderr_mode = ChildProcess::Stderr::kInherit) {
  args.insert(args.begin(), SUNDIALCTL_PATH);
  ChildProcess child(args, stderr_mode, std::move(env));
  CtlRun run;
  auto status = child.wait_for_exit(30000);
  for (auto& line : child.take_lines()) run.out += line + "\n";
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  return run;
}

nlohmann::json json_output(const CtlRun& run) {
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
  // Like run(), with stderr in `out`: for the messages of failures.
  CtlRun run_merged(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server, "--token", "ctl-token"});
    return ctl(std::move(args), {}, ChildProcess::Stderr::kMergeIntoStdout);
  }
  // An admin API call made directly, for what sundialctl does not do (claims).
  nlohmann::json api(const std::string& method, const std::string& path, const nlohmann::json& body) {
    HttpConnection c(daemon->port());
    auto reply = c.request(method, path, body.dump(),
                           {{"Content-Type", "application/json"}, {"Authorization", "Bearer ctl-token"}});
    EXPECT_TRUE(reply && reply->status / 100 == 2) << path << ": " << (reply ? reply->body : "no reply");
    auto j = nlohmann::json::parse(reply ? reply->body : "", nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::string server;
};

TEST_F(CtlTest, EveryVerbWithJsonOutput) {
  auto started =
      run({"-o", "json", "start", "bench.sleep_step", "--id", "c1", "--input", R"({"sleep_ms":86400000})"});
  ASSERT_EQ(started.exit_code, 0);
  EXPECT_EQ(json_output(started)["instance_id"], "c1");
  EXPECT_EQ(json_output(started)["created"], true);
  EXPECT_EQ(json_output(run({"-o", "json", "start", "bench.sleep_step", "--id", "c1"}))["created"], false);

  auto list = run({"-o", "json", "list", "--status", "waiting"});
  ASSERT_EQ(list.exit_code, 0);
  ASSERT_EQ(json_output(list)["instances"].size(), 1u);
  auto show = run({"-o", "json", "show", "c1"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(json_output(show)["status"], "waiting");
  EXPECT_EQ(json_output(run({"-o", "json", "history", "c1"}))["entries"][0]["event"], "started");
  EXPECT_EQ(json_output(run({"-o", "json", "timers", "--due-within", "2d"}))["timers"].size(), 1u);
  EXPECT_TRUE(json_output(run({"-o", "json", "timers", "--due-within", "1h"}))["timers"].empty());
  EXPECT_EQ(json_output(run({"-o", "json", "pause", "c1"}))["status"], "paused");
  EXPECT_EQ(json_output(run({"-o", "json", "resume", "c1", "--policy", "shift"}))["status"], "waiting");
  EXPECT_EQ(json_output(run({"-o", "json", "signal", "c1", "ping", "--data", R"({"n":1})"}))["status"],
            "waiting");
  EXPECT_EQ(json_output(run({"-o", "json", "stats"}))["instances"]["waiting"], 1);
  EXPECT_EQ(json_output(run({"-o", "json", "cancel", "c1", "--reason", "test"}))["status"], "cancelled");
  EXPECT_EQ(run({"retry", "c1"}).exit_code, 1);  // conflict: only failed instances
  auto events = run({"-o", "json", "events", "--since", "0", "--max", "2"});
  ASSERT_EQ(events.exit_code, 0);
  EXPECT_NE(events.out.find("\"instance_started\""), std::string::npos) << events.out;
}

// Issue 22, the audit log: changing calls are recorded with who and from
// where, survive a restart, and `audit` shows them (reads are not recorded).
TEST_F(CtlTest, AuditEntriesSurviveARestart) {
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", "au1", "--input", R"({"sleep_ms":86400000})"}).exit_code, 0);
  ASSERT_EQ(run({"cancel", "au1", "--reason", "test"}).exit_code, 0);
  ASSERT_EQ(run({"list"}).exit_code, 0);
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{},
                                           std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=ctl-token"});
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  server = "http://127.0.0.1:" + std::to_string(daemon->port());
  auto entries = json_output(run({"-o", "json", "audit", "--target", "au1"}))["entries"];
  ASSERT_EQ(entries.size(), 2u) << entries.dump(1);
  EXPECT_EQ(entries[0]["route"], "POST /api/v1/instances/{id}/cancel");
  EXPECT_EQ(entries[1]["route"], "POST /api/v1/workflows/{type}/instances");
  for (const auto& e : entries) {
    EXPECT_EQ(e["role"], "admin");
    EXPECT_EQ(e["token_name"], "admin");
    EXPECT_EQ(e["address"], "127.0.0.1");
    EXPECT_EQ(e["outcome"], "ok");
  }
  auto table = run({"audit", "--limit", "5"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("admin (admin)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("/api/v1/instances/{id}/cancel"), std::string::npos) << table.out;
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
  EXPECT_EQ(json_output(live)["status"], "waiting");
  EXPECT_EQ(ctl({"--data-dir", data, "pause", "d1"}).exit_code, 2);  // commands need the server
  daemon->stop();
  daemon.reset();
  auto list = ctl({"--data-dir", data, "-o", "json", "list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(json_output(list)["instances"][0]["id"], "d1");
  EXPECT_EQ(json_output(ctl({"--data-dir", data, "-o", "json", "history", "d1"}))["entries"].size(), 2u);
  EXPECT_EQ(json_output(ctl({"--data-dir", data, "-o", "json", "timers"}))["timers"].size(), 1u);
  EXPECT_EQ(json_output(ctl({"--data-dir", data, "-o", "json", "stats"}))["instances"]["waiting"], 1);
  EXPECT_EQ(ctl({"--data-dir", data, "show", "nope"}).exit_code, 3);
  EXPECT_EQ(ctl({"--data-dir", dir.sub("not-there"), "list"}).exit_code, 3);
}

// kv list and kv get over what a workflow keeps (ctx:kv): every page of a
// namespace, tombstones on request, one entry with its history; a missing
// entry exits 3, a bad namespace 1 with the server's message.
TEST_F(CtlTest, KvListAndGetShowWhatAWorkflowKeeps) {
  HttpConnection c(daemon->port());
  auto put = c.request("PUT", "/api/v1/workflows/mapper", R"lua(return { run = function(ctx)
    for i = 1, 3 do
      ctx:kv("put-" .. i, { namespace = "ctl-map", put = "page/" .. i, value = { issue = 40 + i } })
    end
    ctx:kv("forget-3", { namespace = "ctl-map", delete = "page/3" })
    return true
  end })lua",
                       {{"Content-Type", "text/x-lua"}, {"Authorization", "Bearer ctl-token"}});
  ASSERT_TRUE(put && put->status / 100 == 2) << (put ? put->body : "no reply");
  auto started = run({"start", "mapper", "--id", "m1"});
  ASSERT_EQ(started.exit_code, 0) << started.out;
  for (int i = 0; i < 200; ++i) {
    auto shown = run_merged({"-o", "json", "show", "m1"});
    ASSERT_EQ(shown.exit_code, 0) << shown.out;
    if (json_output(shown)["status"] == "completed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto listed = json_output(run({"-o", "json", "kv", "list", "ctl-map"}));
  ASSERT_EQ(listed["entries"].size(), 2u) << listed.dump();
  EXPECT_EQ(listed["entries"][0]["key"], "page/1");
  EXPECT_EQ(listed["entries"][1]["value"]["issue"], 42);
  EXPECT_EQ(json_output(run({"-o", "json", "kv", "list", "ctl-map", "--deleted"}))["entries"].size(), 3u);
  auto table = run({"kv", "list", "ctl-map", "--prefix", "page/2"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out.substr(0, table.out.find('\n')).rfind("KEY", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("page/2"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("page/1"), std::string::npos) << table.out;
  auto one = run({"kv", "get", "ctl-map", "page/3"});
  ASSERT_EQ(one.exit_code, 0) << one.out;
  EXPECT_NE(one.out.find("version:   2 (deleted)"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("m1/forget-3"), std::string::npos) << "the history names the step" << one.out;
  EXPECT_EQ(run({"kv", "get", "ctl-map", "page/9"}).exit_code, 3);
  auto bad = run_merged({"kv", "list", "no spaces"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("kv namespace"), std::string::npos) << bad.out;
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
  EXPECT_NE(moved.out.find("upgraded 1 instance of up from " + v1.substr(0, 12) + " to " + v2.substr(0, 12)),
            std::string::npos)
      << moved.out;
  EXPECT_EQ(run({"upgrade", "up", "--from", v2}).exit_code, 1);  // already the current one
}

TEST_F(CtlTest, QueuesListPauseResumeAndSet) {
  EXPECT_EQ(run({"-o", "json", "queues", "list"}).out, "{\n  \"queues\": []\n}\n");
  ASSERT_EQ(run({"tasks", "enqueue", "emails", "--payload", R"({"to":"ada"})"}).exit_code, 0);

  auto listed = run({"-o", "json", "queues", "list"});
  ASSERT_EQ(listed.exit_code, 0);
  const nlohmann::json q = json_output(listed)["queues"][0];
  EXPECT_EQ(q["queue"], "emails");
  EXPECT_EQ(q["pending"], 1);
  EXPECT_EQ(q["paused"], false);
  EXPECT_TRUE(q["max_in_flight"].is_null());

  auto paused = run({"-o", "json", "queues", "pause", "emails"});
  ASSERT_EQ(paused.exit_code, 0);
  EXPECT_EQ(json_output(paused)["paused"], true);
  // A paused queue hands out nothing.
  EXPECT_TRUE(api("POST", "/api/v1/queues/emails/claim", {{"worker", "w1"}})["tasks"].empty());
  auto table = run({"queues", "list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out,
            "QUEUE   PAUSED  MAX IN FLIGHT  LIMIT  QUEUED  PENDING  RUNNING  COMPLETED  FAILED  CANCELLED  "
            "DONE/MIN  WAITING\n"
            "emails  yes     -              -      0       1        0        0          0       0          0 "
            "        0\n");

  EXPECT_EQ(
      json_output(run({"-o", "json", "queues", "set", "emails", "--max-in-flight", "5"}))["max_in_flight"],
      5);
  auto set_table = run({"queues", "set", "emails", "--max-in-flight", "7"});
  EXPECT_NE(set_table.out.find("emails  yes     7 "), std::string::npos) << set_table.out;
  EXPECT_TRUE(
      json_output(run({"-o", "json", "queues", "set", "emails", "--max-in-flight", "none"}))["max_in_flight"]
          .is_null());
  auto resumed = run({"-o", "json", "queues", "resume", "emails"});
  ASSERT_EQ(resumed.exit_code, 0);
  EXPECT_EQ(json_output(resumed)["paused"], false);
  EXPECT_EQ(api("POST", "/api/v1/queues/emails/claim", {{"worker", "w1"}})["tasks"].size(), 1u);

  // Usage errors (2) are the tool's; the server's refusals (1) print its message.
  EXPECT_EQ(run({"queues", "set", "emails"}).exit_code, 2);
  EXPECT_EQ(run({"queues", "set", "emails", "--max-in-flight", "0"}).exit_code, 2);
  auto too_many = run_merged({"queues", "set", "emails", "--max-in-flight", "2000000"});
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_NE(too_many.out.find("'max_in_flight' must be an integer from 1 to 1000000"), std::string::npos)
      << too_many.out;
  auto bad_name = run_merged({"queues", "pause", "no spaces"});
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_NE(bad_name.out.find("sundialctl: "), std::string::npos) << bad_name.out;
  auto unknown = run_merged({"queues", "drain", "emails"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.out.find("(one of: list, pause, resume, set)"), std::string::npos) << unknown.out;
}

TEST_F(CtlTest, LimitsListSetAndDelete) {
  auto set = run({"-o", "json", "limits", "set", "monday", "--rate", "2.5"});
  ASSERT_EQ(set.exit_code, 0) << set.out;
  EXPECT_EQ(json_output(set)["source"], "api");
  EXPECT_EQ(json_output(set)["burst"], 2.5);
  auto table = run({"limits", "set", "monday", "--rate", "5", "--burst", "10"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out.substr(0, table.out.find('\n')),
            "LIMITER  SOURCE  RATE/S  BURST  TOKENS  SUB-KEYS  WAITING  HOLDS");
  EXPECT_NE(table.out.find("\nmonday   api     5       10     10  "), std::string::npos) << table.out;
  auto listed = json_output(run({"-o", "json", "limits", "list"}))["limits"];
  // By name: the connectors' own (github, notion, resend) and monday (the API's).
  ASSERT_EQ(listed.size(), 4u) << listed.dump();
  EXPECT_EQ(listed[0]["name"], "github");
  EXPECT_EQ(listed[1]["name"], "monday");
  EXPECT_EQ(listed[1]["source"], "api");
  EXPECT_EQ(listed[2]["name"], "notion");
  EXPECT_EQ(listed[3]["name"], "resend");
  EXPECT_EQ(listed[3]["source"], "config");

  // Usage errors (2) are the tool's; the server's refusals (1) print its message.
  EXPECT_EQ(run({"limits", "set", "monday"}).exit_code, 2);
  EXPECT_EQ(run({"limits", "set", "monday", "--rate", "fast"}).exit_code, 2);
  auto zero = run_merged({"limits", "set", "monday", "--rate", "0"});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_NE(zero.out.find("'rate' must be"), std::string::npos) << zero.out;
  auto conflict = run_merged({"limits", "set", "resend", "--rate", "100"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_NE(conflict.out.find("sundiald.toml"), std::string::npos) << conflict.out;

  auto deleted = run({"limits", "delete", "monday"});
  ASSERT_EQ(deleted.exit_code, 0);
  EXPECT_EQ(deleted.out, "deleted limiter monday\n");
  EXPECT_EQ(run({"limits", "delete", "monday"}).exit_code, 3);
  auto unknown = run_merged({"limits", "show", "monday"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.out.find("(one of: list, set, delete)"), std::string::npos) << unknown.out;
}

TEST_F(CtlTest, TasksEnqueueListShowRetryAndCancel) {
  auto first = run({"-o", "json", "tasks", "enqueue", "emails", "--type", "send", "--payload",
                    R"({"to":"ada"})", "--dedupe-key", "ada", "--priority", "5"});
  ASSERT_EQ(first.exit_code, 0);
  const std::string id = json_output(first)["task_id"];
  EXPECT_EQ(json_output(first)["status"], "pending");
  EXPECT_EQ(json_output(first)["created"], true);
  auto again = run({"tasks", "enqueue", "emails", "--type", "send", "--dedupe-key", "ada"});
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, id + ": pending (already enqueued with that dedupe key)\n");
  auto delayed = run({"-o", "json", "tasks", "enqueue", "emails", "--delay", "1h"});
  ASSERT_EQ(delayed.exit_code, 0);
  const std::string later = json_output(delayed)["task_id"];

  auto listed = run({"-o", "json", "tasks", "list", "emails"});
  ASSERT_EQ(listed.exit_code, 0);
  ASSERT_EQ(json_output(listed)["tasks"].size(), 2u);
  EXPECT_EQ(json_output(listed)["tasks"][0]["task_id"], id);
  EXPECT_EQ(json_output(listed)["tasks"][0]["priority"], 5);
  EXPECT_EQ(json_output(run({"-o", "json", "tasks", "list", "emails", "--limit", "1"}))["tasks"].size(), 1u);
  auto table = run({"tasks", "list", "emails"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("ID"), std::string::npos);
  EXPECT_NE(table.out.find(later), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("in 59m"), std::string::npos) << table.out;  // the delayed one's run at

  // A worker takes the first one and fails it for good.
  auto claimed = api("POST", "/api/v1/queues/emails/claim", {{"worker", "worker-7"}});
  ASSERT_EQ(claimed["tasks"].size(), 1u);
  ASSERT_EQ(claimed["tasks"][0]["task_id"], id);
  api("POST", "/api/v1/tasks/" + id + "/fail",
      {{"lease", claimed["tasks"][0]["lease"]}, {"error", "mailbox full"}, {"retryable", false}});
  EXPECT_EQ(json_output(run({"-o", "json", "tasks", "list", "emails", "--status", "failed"}))["tasks"].size(),
            1u);

  auto shown = run({"-o", "json", "tasks", "show", id});
  ASSERT_EQ(shown.exit_code, 0);
  EXPECT_EQ(json_output(shown)["status"], "failed");
  ASSERT_EQ(json_output(shown)["attempts"].size(), 1u);
  EXPECT_EQ(json_output(shown)["attempts"][0]["worker"], "worker-7");
  auto show_table = run({"tasks", "show", id});
  ASSERT_EQ(show_table.exit_code, 0);
  EXPECT_NE(show_table.out.find("status         failed"), std::string::npos) << show_table.out;
  EXPECT_NE(show_table.out.find("last error     mailbox full"), std::string::npos) << show_table.out;
  EXPECT_NE(show_table.out.find("ATTEMPT  WORKER    STARTED"), std::string::npos) << show_table.out;
  EXPECT_NE(show_table.out.find("1        worker-7"), std::string::npos) << show_table.out;

  auto retried = run({"-o", "json", "tasks", "retry", id});
  ASSERT_EQ(retried.exit_code, 0);
  EXPECT_EQ(json_output(retried)["status"], "pending");
  EXPECT_EQ(run({"tasks", "cancel", id}).out, id + ": cancelled\n");
  // The server's 409 and 404, with its message.
  auto twice = run_merged({"tasks", "cancel", id});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.out.find("sundialctl: "), std::string::npos) << twice.out;
  EXPECT_EQ(run({"tasks", "show", "no-such-task"}).exit_code, 3);
  EXPECT_EQ(run({"tasks", "retry", later}).exit_code, 1);  // pending: nothing to retry

  // Bad input: the tool's usage errors (2), the server's refusals naming the field (1).
  EXPECT_EQ(run({"tasks", "list", "emails", "--status", "dead"}).exit_code, 2);
  EXPECT_EQ(run({"tasks", "enqueue", "emails", "--payload", "{nope"}).exit_code, 2);
  EXPECT_EQ(run({"tasks", "enqueue", "emails", "--priority", "high"}).exit_code, 2);
  auto negative = run_merged({"tasks", "enqueue", "emails", "--priority", "-1"});
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_NE(negative.out.find("priority"), std::string::npos) << negative.out;
  auto bad_delay = run_merged({"tasks", "enqueue", "emails", "--delay", "5parsecs"});
  EXPECT_EQ(bad_delay.exit_code, 1);
  EXPECT_NE(bad_delay.out.find("delay"), std::string::npos) << bad_delay.out;
  EXPECT_EQ(json_output(run({"-o", "json", "queues", "list"}))["queues"][0]["pending"], 1);  // nothing added
}

TEST_F(CtlTest, TasksListFollowsPagesUpToTheLimit) {
  // More tasks than one page holds (1000).
  nlohmann::json batch = {{"tasks", nlohmann::json::array()}};
  for (int i = 0; i < 1000; ++i) batch["tasks"].push_back({{"payload", i}});
  api("POST", "/api/v1/queues/bulk/tasks:batch", batch);
  batch["tasks"] = nlohmann::json::array({{{"payload", 1000}}, {{"payload", 1001}}, {{"payload", 1002}}});
  api("POST", "/api/v1/queues/bulk/tasks:batch", batch);

  auto all = run({"-o", "json", "tasks", "list", "bulk", "--limit", "5000"});
  ASSERT_EQ(all.exit_code, 0);
  const nlohmann::json tasks = json_output(all)["tasks"];
  ASSERT_EQ(tasks.size(), 1003u);
  std::set<std::string> ids;
  for (const auto& t : tasks) ids.insert(t["task_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 1003u);  // no task twice across the pages
  EXPECT_EQ(json_output(run({"-o", "json", "tasks", "list", "bulk", "--limit", "1001"}))["tasks"].size(),
            1001u);
}

// The line of `out` that contains `needle` ("" when none).
std::string line_with(const std::string& out, const std::string& needle) {
  size_t at = out.find(needle);
  if (at == std::string::npos) return "";
  size_t start = out.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return out.substr(start, out.find('\n', at) - start);
}

// A Lua type whose input picks what it waits on: a signal with a timeout,
// a step that keeps failing and is retried an hour later, or a step that
// fails for good.
constexpr const char* kTimingScript = R"lua(return { run = function(ctx, input)
  if input.mode == "wait" then
    ctx:wait({ "go", "stop" }, { timeout = "1d" })
  elseif input.mode == "retry" then
    ctx:step("charge", function() error("card service down") end,
             { attempts = 5, backoff = "1h", max_backoff = "2h" })
  elseif input.mode == "fail" then
    local r = ctx:step("charge", function() error({ message = "declined", retryable = false }) end)
    return { charged = r }
  end
  return true
end })lua";

class CtlOperatorTest : public CtlTest {
 protected:
  void put_timing_script() {
    HttpConnection c(daemon->port());
    auto put = c.request("PUT", "/api/v1/workflows/timing", kTimingScript,
                         {{"Content-Type", "text/x-lua"}, {"Authorization", "Bearer ctl-token"}});
    ASSERT_TRUE(put && put->status / 100 == 2) << (put ? put->body : "no reply");
  }
  // Polls `show` until `done` holds for the instance's JSON; returns it.
  nlohmann::json wait_for(const std::string& id, const std::function<bool(const nlohmann::json&)>& done) {
    nlohmann::json shown;
    for (int i = 0; i < 400; ++i) {
      shown = json_output(run({"-o", "json", "show", id}));
      if (done(shown)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(done(shown)) << shown.dump();
    return shown;
  }
};

// Issue 21: whole ids, -o wide's columns, aliases, `help VERB`, suggestions.
TEST_F(CtlOperatorTest, WideOutputAliasesAndHelp) {
  const std::string id = "a-rather-long-instance-id-to-copy-" + std::string(40, 'x');
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", id, "--input", R"({"sleep_ms":86400000})"}).exit_code,
            0);
  auto table = run({"list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find(id + "  "), std::string::npos) << table.out;
  auto wide = run({"-o", "wide", "list"});
  ASSERT_EQ(wide.exit_code, 0);
  std::string header = wide.out.substr(0, wide.out.find('\n'));
  for (const char* column : {"VERSION", "RUN", "ATTEMPTS", "WAITING FOR", "UPDATED", "FINISHED", "PARENT"})
    EXPECT_NE(header.find(column), std::string::npos) << column << " in " << header;
  EXPECT_NE(wide.out.find(id), std::string::npos);
  EXPECT_NE(wide.out.find("Z (in 23h 59m)"), std::string::npos) << wide.out;  // next timer, both ways
  auto stats = run({"-o", "wide", "stats"});
  EXPECT_NE(stats.out.find("bench.sleep_step"), std::string::npos) << stats.out;

  EXPECT_EQ(json_output(run({"-o", "json", "describe", id})), json_output(run({"-o", "json", "show", id})));
  EXPECT_EQ(json_output(run({"-o", "json", "get", id}))["id"], id);
  EXPECT_EQ(json_output(run({"-o", "json", "ls", "--id-prefix", "a-rather"}))["instances"].size(), 1u);
  EXPECT_TRUE(json_output(run({"-o", "json", "ls", "--id-prefix", "zzz"}))["instances"].empty());
  EXPECT_EQ(run({"queue", "ls"}).exit_code, 0);

  auto help = run({"help", "list"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.out, run({"list", "--help"}).out);
  EXPECT_NE(help.out.find("[--type TYPE] [--status STATUS] [--id-prefix PREFIX] [--attr NAME=VALUE] [--limit N]"),
            std::string::npos)
      << help.out;
  auto typo = run_merged({"describ", id});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.out.find("unknown command 'describ'; did you mean 'describe'?"), std::string::npos)
      << typo.out;
}

// history's DUE column and `timers ID`: what an instance's one timer is
// for — a sleep, a signal wait's timeout, a failed step's retry — and when
// it is due; a paused instance's is held.
TEST_F(CtlOperatorTest, HistoryDueTimesAndTheTimersOfOneInstance) {
  put_timing_script();
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", "s1", "--input", R"({"sleep_ms":86400000})"}).exit_code,
            0);
  ASSERT_EQ(run({"start", "timing", "--id", "w1", "--input", R"({"mode":"wait"})"}).exit_code, 0);
  ASSERT_EQ(run({"start", "timing", "--id", "r1", "--input", R"({"mode":"retry"})"}).exit_code, 0);
  wait_for("w1", [](const nlohmann::json& j) { return j["next_timer"].is_number(); });
  wait_for("r1", [](const nlohmann::json& j) { return j["attempts"] == 1 && j["next_timer"].is_number(); });

  auto history = run({"history", "s1"});
  ASSERT_EQ(history.exit_code, 0);
  EXPECT_NE(history.out.substr(0, history.out.find('\n')).find("DUE"), std::string::npos) << history.out;
  EXPECT_NE(line_with(history.out, "timer_scheduled").find("Z (in 23h 59m)"), std::string::npos)
      << history.out;
  EXPECT_EQ(line_with(history.out, "started").find("Z ("), std::string::npos) << history.out;  // blank
  auto retried = run({"history", "r1"});
  EXPECT_NE(line_with(retried.out, "step_attempt_failed").find("Z (in "), std::string::npos) << retried.out;
  EXPECT_NE(run({"-o", "wide", "history", "r1"}).out.find("DATA"), std::string::npos);

  auto sleep = run({"timers", "s1"});
  ASSERT_EQ(sleep.exit_code, 0);
  EXPECT_NE(line_with(sleep.out, "sleep").find("in 23h 59m"), std::string::npos) << sleep.out;
  auto wait = run({"timers", "w1"});
  EXPECT_NE(line_with(wait.out, "signal-timeout").find("waiting for go, stop"), std::string::npos)
      << wait.out;
  auto retry = run({"timers", "r1"});
  EXPECT_NE(line_with(retry.out, "step-retry").find("step charge, attempt 2"), std::string::npos)
      << retry.out;
  auto as_json = json_output(run({"-o", "json", "timers", "r1"}));
  ASSERT_EQ(as_json["timers"].size(), 1u) << as_json.dump();
  EXPECT_EQ(as_json["timers"][0]["kind"], "step-retry");
  ASSERT_EQ(run({"pause", "s1"}).exit_code, 0);
  EXPECT_NE(run({"timers", "s1"}).out.find("held while paused"), std::string::npos);
  EXPECT_EQ(run({"timers", "missing"}).exit_code, 3);
  EXPECT_EQ(run({"timers", "s1", "--limit", "3"}).exit_code, 2);

  // Plain `timers` as before; -o wide says what each is for.
  auto all = run({"timers"});
  ASSERT_EQ(all.exit_code, 0);
  EXPECT_NE(all.out.find("w1"), std::string::npos) << all.out;
  auto wide = run({"-o", "wide", "timers"});
  EXPECT_NE(line_with(wide.out, "w1").find("signal-timeout"), std::string::npos) << wide.out;
}

// `events` in columns: each field starts where its header does, whatever
// the length of the ids.
TEST_F(CtlOperatorTest, EventsAreAlignedInColumns) {
  ASSERT_EQ(run({"start", "bench.sleep_step", "--id", "e1", "--input", R"({"sleep_ms":86400000})"}).exit_code,
            0);
  ASSERT_EQ(
      run({"start", "bench.sleep_step", "--id", "event-instance-two", "--input", R"({"sleep_ms":86400000})"})
          .exit_code,
      0);
  auto events = run({"events", "--since", "0", "--max", "2"});
  ASSERT_EQ(events.exit_code, 0);
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = events.out.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(events.out.substr(start, nl - start));
  ASSERT_EQ(lines.size(), 3u) << events.out;
  EXPECT_EQ(lines[0].rfind("SEQ", 0), 0u) << events.out;
  size_t instance = lines[0].find("INSTANCE");
  EXPECT_EQ(lines[1].find("e1"), instance) << events.out;
  EXPECT_EQ(lines[2].find("event-instance-two"), instance) << events.out;
  EXPECT_EQ(lines[1].find("instance_started"), lines[0].find("EVENT")) << events.out;
}

// Needs the server side of issue 21: POST /api/v1/instances/{id}/skip and
// retry's "policy" (engine/, server/api/command_routes.cc).
TEST_F(CtlOperatorTest, SkipAFailedStepAndRetryWithAPolicy) {
  put_timing_script();
  ASSERT_EQ(run({"start", "timing", "--id", "f1", "--input", R"({"mode":"fail"})"}).exit_code, 0);
  wait_for("f1", [](const nlohmann::json& j) { return j["status"] == "failed"; });
  ASSERT_EQ(run({"retry", "f1", "--policy", "fire"}).exit_code, 0);
  wait_for("f1", [](const nlohmann::json& j) { return j["status"] == "failed"; });
  EXPECT_NE(line_with(run({"history", "f1"}).out, "retried").find("fire"), std::string::npos);
  auto skipped = run({"skip", "f1", "--result", R"({"ok":1})", "--reason", "declined for good"});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.out;
  EXPECT_EQ(skipped.out.rfind("f1: ", 0), 0u) << skipped.out;
  auto done = wait_for("f1", [](const nlohmann::json& j) { return j["status"] == "completed"; });
  EXPECT_EQ(done["result"], nlohmann::json::parse(R"({"charged":{"ok":1}})"));
  EXPECT_NE(run({"history", "f1"}).out.find("step_skipped"), std::string::npos);
  EXPECT_EQ(run({"skip", "f1"}).exit_code, 1);  // conflict: not failed
  EXPECT_EQ(run({"skip", "f1", "--result", "{bad"}).exit_code, 2);
}

// Needs the server side of issue 21: POST /api/v1/instances:pause (and
// :resume, :cancel). A dry run first; without a terminal, no --yes, no
// change.
TEST_F(CtlOperatorTest, BulkCommandsAskFirstThenChangeTheMatches) {
  for (const char* id : {"b1", "b2", "b3"}) {
    ASSERT_EQ(run({"start", "bench.sleep_step", "--id", id, "--input", R"({"sleep_ms":86400000})"}).exit_code,
              0);
  }
  auto dry = run({"pause", "--type", "bench.sleep_step", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_EQ(dry.out, "would pause 3 instances (type=bench.sleep_step)\n");
  if (!::isatty(STDIN_FILENO)) {
    auto refused = run_merged({"pause", "--type", "bench.sleep_step"});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.out.find("would pause 3 instances"), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("add --yes"), std::string::npos) << refused.out;
  }
  EXPECT_EQ(json_output(run({"-o", "json", "show", "b1"}))["status"], "waiting");
  auto paused = run({"pause", "--type", "bench.sleep_step", "--status", "waiting", "--yes"});
  ASSERT_EQ(paused.exit_code, 0) << paused.out;
  EXPECT_EQ(paused.out, "paused 3 of 3 matching instances\n");
  EXPECT_EQ(json_output(run({"-o", "json", "show", "b2"}))["status"], "paused");
  auto resumed = json_output(run({"-o", "json", "resume", "--id-prefix", "b", "--policy", "fire", "--yes"}));
  EXPECT_EQ(resumed["matched"], 3);
  EXPECT_EQ(resumed["changed"], 3);
  auto cancelled = run({"cancel", "--id-prefix", "b", "--reason", "bulk", "--yes"});
  EXPECT_EQ(cancelled.out, "cancelled 3 of 3 matching instances\n");
  EXPECT_EQ(run({"pause"}).exit_code, 2);                 // neither an ID nor a filter
  EXPECT_EQ(run({"pause", "b1", "--yes"}).exit_code, 2);  // both
}

// A bulk command is answered once every change it made is durable: a
// SIGKILL right after the answer loses none of them.
TEST_F(CtlTest, ABulkPauseAnsweredSurvivesAKill) {
  constexpr int kInstances = 300;
  for (int i = 0; i < kInstances; ++i) {
    api("POST", "/api/v1/workflows/bench.sleep_step/instances",
        {{"id", "k-" + std::to_string(i)}, {"input", {{"sleep_ms", 86400000}}}});
  }
  nlohmann::json paused =
      api("POST", "/api/v1/instances:pause", {{"filter", {{"type", "bench.sleep_step"}, {"id_prefix", "k-"}}}});
  ASSERT_EQ(paused["changed"], kInstances) << paused.dump();
  daemon->kill();  // right after the acknowledgement
  daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{},
                                           std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=ctl-token"});
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  server = "http://127.0.0.1:" + std::to_string(daemon->port());
  auto stats = json_output(run({"-o", "json", "stats"}));
  EXPECT_EQ(stats["instances"]["paused"], kInstances) << stats.dump();
  EXPECT_EQ(stats["instances"]["waiting"], 0) << stats.dump();
}

// Schedules declared in sundiald.toml: they fire on the real clock, the CLI
// lists, shows, pauses, resumes and triggers them and reads their run logs;
// the API refuses to change them; a restart with a table removed deletes it.
class CtlSchedulesTest : public CtlTest {
 protected:
  void SetUp() override {
    write_config(true);
    start();
  }
  void write_config(bool with_nightly) {
    std::ofstream out(dir.sub("sundial.toml"));
    out << "[schedules.tick]\n"
           "every = \"1s\"\n"
           "misfire = \"skip\"\n"
           "overlap = \"allow\"\n"
           "action = { task = { queue = \"ticks\", payload = { from = \"config\" } } }\n";
    if (with_nightly) {
      out << "[schedules.nightly]\n"
             "cron = \"30 2 * * *\"\n"
             "timezone = \"Europe/Paris\"\n"
             "action = { start = { type = \"bench.sleep_step\", input = { sleep_ms = 1 } } }\n";
    }
  }
  void start() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--config", dir.sub("sundial.toml")},
                                             std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=ctl-token"});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
    server = "http://127.0.0.1:" + std::to_string(daemon->port());
  }
  int status_of(const std::string& method, const std::string& path, const nlohmann::json& body = {}) {
    HttpConnection c(daemon->port());
    auto reply = c.request(method, path, body.is_null() ? std::string() : body.dump(),
                           {{"Content-Type", "application/json"}, {"Authorization", "Bearer ctl-token"}});
    return reply ? reply->status : 0;
  }
};

TEST_F(CtlSchedulesTest, ConfigSchedulesFireAndTheCliSteersThem) {
  auto list = run({"-o", "json", "schedules", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.out;
  auto schedules = json_output(list)["schedules"];
  ASSERT_EQ(schedules.size(), 2u) << schedules.dump();
  EXPECT_EQ(schedules[0]["id"], "nightly");
  EXPECT_EQ(schedules[0]["source"], "config");
  EXPECT_EQ(schedules[0]["timezone"], "Europe/Paris");
  ASSERT_EQ(schedules[0]["next"].size(), 3u);
  EXPECT_EQ(schedules[1]["id"], "tick");
  auto table = run({"schedules", "list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("30 2 * * *"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("config"), std::string::npos) << table.out;

  // The one-second schedule fires on its own.
  nlohmann::json runs;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    runs = json_output(run({"-o", "json", "schedules", "runs", "tick"}))["runs"];
    if (runs.size() >= 2) break;
  }
  ASSERT_GE(runs.size(), 2u) << daemon->log();
  EXPECT_EQ(runs[0]["outcome"], "pending");
  EXPECT_EQ(runs[0]["target_id"].get<std::string>().rfind("tick@", 0), 0u) << runs[0].dump();
  EXPECT_GT(runs[0]["nominal_time"], runs[1]["nominal_time"]);
  auto runs_table = run({"schedules", "runs", "tick", "--limit", "1"});
  ASSERT_EQ(runs_table.exit_code, 0);
  EXPECT_NE(runs_table.out.find("NOMINAL"), std::string::npos) << runs_table.out;
  EXPECT_NE(runs_table.out.find("tick@"), std::string::npos) << runs_table.out;

  auto paused = json_output(run({"-o", "json", "schedules", "pause", "tick"}));
  EXPECT_EQ(paused["paused"], true);
  EXPECT_TRUE(paused["next"].empty());
  EXPECT_EQ(json_output(run({"-o", "json", "schedules", "show", "tick"}))["paused"], true);
  EXPECT_EQ(json_output(run({"-o", "json", "schedules", "resume", "tick"}))["paused"], false);

  auto fired = run({"-o", "json", "schedules", "trigger", "nightly"});
  ASSERT_EQ(fired.exit_code, 0) << fired.out;
  EXPECT_EQ(json_output(fired)["trigger"], "manual");
  EXPECT_EQ(json_output(fired)["target_id"].get<std::string>().rfind("nightly@", 0), 0u);
  auto nightly_runs = run({"schedules", "runs", "nightly"});
  EXPECT_NE(nightly_runs.out.find("manual"), std::string::npos) << nightly_runs.out;

  // Declared in the file: the API cannot change or delete them.
  EXPECT_EQ(status_of("DELETE", "/api/v1/schedules/tick"), 409);
  EXPECT_EQ(status_of("PUT", "/api/v1/schedules/tick",
                      {{"every", "1m"}, {"action", {{"task", {{"queue", "ticks"}}}}}}),
            409);
  EXPECT_EQ(run({"schedules", "show", "missing"}).exit_code, 3);
  EXPECT_EQ(run({"schedules", "pause"}).exit_code, 2);

  // A table removed from the file is deleted at the next start.
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  write_config(false);
  start();
  auto after = json_output(run({"-o", "json", "schedules", "list"}))["schedules"];
  ASSERT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(after[0]["id"], "tick");
  EXPECT_EQ(run({"schedules", "show", "nightly"}).exit_code, 3);
}

}  // namespace
}  // namespace sundial::testing
