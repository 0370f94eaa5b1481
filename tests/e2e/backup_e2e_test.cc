// End-to-end backups (issue 22): `sundialctl backup DEST` against the real
// sundiald while two clients keep starting instances; sundiald is then
// SIGKILLed, `sundiald --restore DEST` fills an empty data directory, and
// a sundiald on it holds every instance acknowledged before the backup
// began (and none that was never acknowledged). A restore into a data
// directory with data, and a backup onto an existing path, are refused
// with a message that says why.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

const std::vector<std::string> kBackupToken = {"SUNDIAL_ADMIN_TOKEN=backup-token"};
const std::map<std::string, std::string> kBackupHeaders = {{"Content-Type", "application/json"},
                                                     {"Authorization", "Bearer backup-token"}};

struct BackupRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

std::string percent_encoded(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

BackupRun run_binary(std::vector<std::string> argv) {
  ChildProcess child(std::move(argv), ChildProcess::Stderr::kMergeIntoStdout);
  BackupRun r;
  auto status = child.wait_for_exit(60000);
  for (auto& line : child.take_lines()) r.out += line + "\n";
  if (status && WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  return r;
}

// Starts instances as fast as one connection goes, keeping the ids the
// server acknowledged, until told to stop.
class Starter {
 public:
  Starter(int port, std::string prefix)
      : thread_([this, port, prefix = std::move(prefix)] {
          HttpConnection c(port);
          for (int i = 0; !stop_.load(); ++i) {
            std::string id = prefix + std::to_string(i);
            auto r = c.request("POST", "/api/v1/workflows/bench.sleep_step/instances",
                               nlohmann::json{{"id", id}, {"input", {{"sleep_ms", 3600000}}}}.dump(), kBackupHeaders);
            if (!r) break;  // the server was killed
            if (r->status == 201) {
              std::lock_guard lock(mu_);
              acked_.push_back(id);
            }
          }
        }) {}
  ~Starter() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
  std::thread thread_;
};

TEST(BackupE2E, ABackupTakenUnderLoadRestoresEveryInstanceAcknowledgedBeforeIt) {
  TempDir dir;
  auto daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{}, kBackupToken);
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  const std::string server = "http://127.0.0.1:" + std::to_string(daemon->port());
  const std::string dest = dir.sub("backups") + "/nightly";
  std::filesystem::create_directories(dir.sub("backups"));

  Starter a(daemon->port(), "a-"), b(daemon->port(), "b-");
  auto acked_reach = [&](size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (a.acked().size() + b.acked().size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  };
  ASSERT_TRUE(acked_reach(400)) << daemon->log();
  std::set<std::string> before;
  for (const auto& id : a.acked()) before.insert(id);
  for (const auto& id : b.acked()) before.insert(id);
  BackupRun backup = run_binary({SUNDIALCTL_PATH, "--server", server, "--token", "backup-token", "backup", dest});
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  EXPECT_NE(backup.out.find("backup taken into " + dest), std::string::npos) << backup.out;
  // More starts after the backup, then a crash: none of it is in the backup.
  size_t at_backup_end = a.acked().size() + b.acked().size();
  ASSERT_TRUE(acked_reach(at_backup_end + 100)) << daemon->log();
  // A second backup onto the same path is refused; the first stays whole.
  BackupRun again = run_binary({SUNDIALCTL_PATH, "--server", server, "--token", "backup-token", "backup", dest});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  daemon->kill();
  a.finish();
  b.finish();
  std::set<std::string> acked;
  for (const auto& id : a.acked()) acked.insert(id);
  for (const auto& id : b.acked()) acked.insert(id);

  const std::string restored = dir.sub("restored");
  BackupRun restore = run_binary({SUNDIALD_PATH, "--restore", dest, "--data-dir", restored});
  ASSERT_EQ(restore.exit_code, 0) << restore.out;
  EXPECT_NE(restore.out.find("start sundiald again without --restore"), std::string::npos) << restore.out;
  BackupRun twice = run_binary({SUNDIALD_PATH, "--restore", dest, "--data-dir", restored});
  EXPECT_EQ(twice.exit_code, 1) << twice.out;
  EXPECT_NE(twice.out.find("is not empty"), std::string::npos) << twice.out;

  daemon = std::make_unique<DaemonProcess>(restored, std::vector<std::string>{}, kBackupToken);
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  HttpConnection c(daemon->port());
  std::set<std::string> listed;
  std::string cursor;
  for (;;) {
    auto page = c.request("GET", "/api/v1/instances?type=bench.sleep_step&limit=1000" +
                                     (cursor.empty() ? "" : "&cursor=" + percent_encoded(cursor)),
                          {}, kBackupHeaders);
    ASSERT_TRUE(page && page->status == 200) << (page ? page->body : "no reply");
    auto body = nlohmann::json::parse(page->body);
    for (const auto& i : body["instances"]) listed.insert(i["id"].get<std::string>());
    if (!body.contains("next_cursor") || body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  for (const auto& id : before) EXPECT_TRUE(listed.count(id)) << id << " was acknowledged before the backup";
  for (const auto& id : listed) EXPECT_TRUE(acked.count(id)) << id << " was never acknowledged";
  EXPECT_LT(listed.size(), acked.size()) << "the starts made after the backup are not in it";
  std::printf("backup under load: %zu acknowledged before it, %zu restored, %zu acknowledged in all\n",
              before.size(), listed.size(), acked.size());
  daemon->stop();
}

}  // namespace
}  // namespace sundial::testing
