// Upgrades (issue 22): tests/fixtures/format-4, a data directory written by
// the release before storage format 5 (tests/fixtures/make-format-4.sh),
// opened by this sundiald: the format is migrated at open and everything the
// old release held is there and goes on — finished, due, paused and Lua
// instances, the uploaded script, a schedule, a queued task, a topic event.
// A directory in a format newer than this build reads is refused, exit 1,
// with a message that says which format and what to do.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/storage/keys.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::string> kMigrationHeaders = {{"Content-Type", "application/json"},
                                                     {"Authorization", "Bearer fx"}};

std::string stored_format(const std::string& data_dir) {
  RocksDbOptions options;
  options.path = data_dir;
  options.read_only = true;
  auto store = RocksDbStore::open(options);
  EXPECT_TRUE(store) << store.error().to_string();
  if (!store) return {};
  auto version = (*store)->get(Cf::kMeta, keys::kSchemaVersionKey);
  return version && *version ? **version : std::string();
}

TEST(MigrationE2E, ADataDirOfThePreviousFormatOpensMigratedAndGoesOn) {
  TempDir dir;
  const std::string data = dir.sub("data");
  fs::copy(SUNDIAL_SOURCE_DIR "/tests/fixtures/format-4", data, fs::copy_options::recursive);
  ASSERT_EQ(stored_format(data), "4");

  auto daemon = std::make_unique<DaemonProcess>(data, std::vector<std::string>{},
                                                std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=fx"});
  ASSERT_GT(daemon->port(), 0) << daemon->log();
  HttpConnection c(daemon->port());
  auto get = [&](const std::string& path) {
    auto r = c.request("GET", path, {}, kMigrationHeaders);
    return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
  };
  auto status_of = [&](const std::string& id) { return get("/api/v1/instances/" + id).value("status", ""); };

  EXPECT_EQ(status_of("fx-done"), "completed");
  EXPECT_TRUE(wait_for([&] { return status_of("fx-due") == "completed"; }, 20000)) << status_of("fx-due");
  EXPECT_EQ(status_of("fx-paused"), "paused");
  auto resumed = c.request("POST", "/api/v1/instances/fx-paused/resume", R"({"policy":"fire"})", kMigrationHeaders);
  ASSERT_TRUE(resumed && resumed->status == 200) << (resumed ? resumed->body : "");
  EXPECT_TRUE(wait_for([&] { return status_of("fx-paused") == "completed"; }, 20000));
  // The Lua instance: its sleep fell due while the fixture lay on disk; it
  // waits for `go` for an hour from the open.
  auto signalled = c.request("POST", "/api/v1/instances/fx-lua/signals/go", "{}", kMigrationHeaders);
  ASSERT_TRUE(signalled && signalled->status == 202) << (signalled ? signalled->body : "");
  EXPECT_TRUE(wait_for([&] { return status_of("fx-lua") == "completed"; }, 20000)) << status_of("fx-lua");
  EXPECT_EQ(get("/api/v1/instances/fx-lua")["result"]["n"], 7);

  bool script_listed = false;
  const nlohmann::json workflows = get("/api/v1/workflows");
  for (const auto& w : workflows.value("workflows", nlohmann::json::array())) script_listed |= w["type"] == "fx_script";
  EXPECT_TRUE(script_listed);
  EXPECT_EQ(get("/api/v1/schedules/fx-hourly")["every"], "1h");
  auto tasks = get("/api/v1/queues/fx/tasks?status=pending")["tasks"];
  bool task_found = false;
  for (const auto& t : tasks) task_found |= t["type"] == "fx-task" && t["payload"]["n"] == 1;
  EXPECT_TRUE(task_found) << tasks.dump();
  EXPECT_EQ(get("/api/v1/topics/fx")["count"], 1);
  EXPECT_EQ(daemon->stop(), 0) << daemon->log();
  EXPECT_EQ(stored_format(data), std::to_string(kSchemaVersion));
}

TEST(MigrationE2E, ADataDirOfANewerFormatIsRefusedWithAClearMessage) {
  TempDir dir;
  const std::string data = dir.sub("data");
  fs::copy(SUNDIAL_SOURCE_DIR "/tests/fixtures/format-4", data, fs::copy_options::recursive);
  {
    RocksDbOptions options;
    options.path = data;
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store) << store.error().to_string();
    Batch b;
    b.put(Cf::kMeta, std::string(keys::kSchemaVersionKey), std::to_string(kSchemaVersion + 1));
    const Batch* one[] = {&b};
    ASSERT_TRUE((*store)->write(one));
  }
  DaemonProcess daemon(data);
  EXPECT_EQ(daemon.port(), 0);
  int status = daemon.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << daemon.log();
  EXPECT_NE(daemon.log().find("storage schema version " + std::to_string(kSchemaVersion + 1) +
                              " is not readable by this build"),
            std::string::npos)
      << daemon.log();
}

}  // namespace
}  // namespace sundial::testing
