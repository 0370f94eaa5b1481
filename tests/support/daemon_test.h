// DaemonTest: the fixture shape of the e2e tests that drive one real
// sundiald: started on a temporary data directory before each test (and by
// start() again after a kill -9, on the same directory), stopped after it
// with a check that it exited cleanly. A subclass passes the environment
// the daemon starts with (its tokens).
//
// Threading: the test's thread. Ownership: owns the daemon and its directory.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {

class DaemonTest : public ::testing::Test {
 protected:
  explicit DaemonTest(std::vector<std::string> env = {}) : env_(std::move(env)) {}

  void SetUp() override { start(); }
  void TearDown() override {
    if (!daemon) return;
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }
  void start() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{}, env_);
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }

  // One request to the daemon on a fresh connection; a failed one is a
  // test failure and an empty reply (status 0).
  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = {}) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;

 private:
  std::vector<std::string> env_;
};

}  // namespace sundial::testing
