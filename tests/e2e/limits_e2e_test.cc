// End-to-end, the shared rate limiters made through the API (issue 15)
// against the real sundiald: PUT /api/v1/limits/{name} is durable when
// answered (back after a kill -9), a DELETE too; hostile bodies are
// refused and change nothing; the limiters of sundiald.toml are 409; the
// routes need the admin token, and the worker token is not enough.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

class LimitsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir.sub("sundial.toml")) << "[server]\nmax_body_bytes = 4096\n\n[limits.notion]\nrate = 3\n"
                                              "burst = 3\n";
    start();
  }
  void TearDown() override {
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }
  void start() {
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--config", dir.sub("sundial.toml")},
        std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken, "SUNDIAL_WORKER_TOKEN=worker-token"});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  // kill -9, then a new daemon on the same data directory.
  void crash_and_restart() {
    daemon->kill();
    start();
  }
  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = kAuthJson) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }
  static nlohmann::json json(const HttpReply& r) { return nlohmann::json::parse(r.body, nullptr, false); }
  nlohmann::json listed() { return json(call("GET", "/api/v1/limits", "", kAuth))["limits"]; }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(LimitsE2eTest, APutLimiterIsBackAfterAKill9) {
  auto made = call("PUT", "/api/v1/limits/monday", R"({"rate": 5, "burst": 10})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(json(made)["source"], "api");
  auto changed = call("PUT", "/api/v1/limits/monday", R"({"rate": 7})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  crash_and_restart();
  auto got = call("GET", "/api/v1/limits/monday", "", kAuth);
  ASSERT_EQ(got.status, 200) << got.body << daemon->log();
  EXPECT_EQ(json(got)["rate"], 7.0);
  EXPECT_EQ(json(got)["burst"], 7.0);
  EXPECT_EQ(json(got)["source"], "api");
  auto all = listed();
  ASSERT_EQ(all.size(), 4u) << all.dump();  // github, monday, notion, resend
  for (const auto& l : all) EXPECT_EQ(l["source"], l["name"] == "monday" ? "api" : "config") << l.dump();
}

TEST_F(LimitsE2eTest, ADeleteSurvivesARestart) {
  ASSERT_EQ(call("PUT", "/api/v1/limits/monday", R"({"rate": 5})").status, 201);
  ASSERT_EQ(call("PUT", "/api/v1/limits/slack", R"({"rate": 1})").status, 201);
  auto deleted = call("DELETE", "/api/v1/limits/monday", "", kAuth);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  crash_and_restart();
  EXPECT_EQ(call("GET", "/api/v1/limits/monday", "", kAuth).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/limits/slack", "", kAuth).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/limits/monday", "", kAuth).status, 404);
  // A clean restart too.
  ASSERT_EQ(call("DELETE", "/api/v1/limits/slack", "", kAuth).status, 200);
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  start();
  EXPECT_EQ(listed().size(), 3u);
}

TEST_F(LimitsE2eTest, HostileBodiesAre400Or413AndChangeNothing) {
  ASSERT_EQ(call("PUT", "/api/v1/limits/monday", R"({"rate": 5, "burst": 5})").status, 201);
  const std::vector<std::string> bodies = {
      "not json",
      "[]",
      "{}",
      R"({"rate": "5"})",
      R"({"rate": 0})",
      R"({"rate": -1})",
      R"({"rate": 1e400})",
      R"({"rate": 1e7})",
      R"({"rate": 5, "burst": 0})",
      R"({"rate": 5, "burst": "NaN"})",
      R"({"rate": 5, "mode": "x"})",
      R"({"rate": [[[[[[[[{"a": [1, {"b": null}]}]]]]]]]]})",
      "{\"rate\": 5" + std::string(100, ' '),
  };
  for (const std::string& body : bodies) {
    for (const char* name : {"monday", "fresh"}) {
      auto r = call("PUT", std::string("/api/v1/limits/") + name, body);
      EXPECT_EQ(r.status, 400) << body << " → " << r.body;
      EXPECT_EQ(json(r)["error"]["code"].is_string(), true) << r.body;
    }
  }
  auto bad_name = call("PUT", "/api/v1/limits/not..ok!", R"({"rate": 1})");
  EXPECT_EQ(bad_name.status, 400) << bad_name.body;
  EXPECT_NE(json(bad_name)["error"]["message"].get<std::string>().find("1 to 64"), std::string::npos);
  auto large = call("PUT", "/api/v1/limits/fresh", R"({"rate": 1, "x": ")" + std::string(8000, 'x') + "\"}");
  EXPECT_EQ(large.status, 413) << large.body;
  crash_and_restart();
  auto all = listed();
  ASSERT_EQ(all.size(), 4u) << all.dump();
  EXPECT_EQ(json(call("GET", "/api/v1/limits/monday", "", kAuth))["rate"], 5.0);
  EXPECT_EQ(call("GET", "/api/v1/limits/fresh", "", kAuth).status, 404);
}

TEST_F(LimitsE2eTest, TheConfigsLimitersAre409AndTheRoutesNeedTheAdminToken) {
  for (const auto& [method, body] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", R"({"rate": 100})"}, {"DELETE", ""}}) {
    auto r = call(method, "/api/v1/limits/notion", body);
    EXPECT_EQ(r.status, 409) << r.body;
    std::string message = json(r)["error"]["message"];
    EXPECT_NE(message.find("sundiald.toml"), std::string::npos) << message;
    EXPECT_NE(message.find("[limits.notion]"), std::string::npos) << message;
  }
  EXPECT_EQ(call("PUT", "/api/v1/limits/resend", R"({"rate": 100})").status, 409);
  EXPECT_EQ(json(call("GET", "/api/v1/limits/notion", "", kAuth))["rate"], 3.0);
  EXPECT_EQ(
      call("PUT", "/api/v1/limits/monday", R"({"rate": 5})", {{"Content-Type", "application/json"}}).status,
      401);
  EXPECT_EQ(call("PUT", "/api/v1/limits/monday", R"({"rate": 5})",
                 {{"Authorization", "Bearer worker-token"}, {"Content-Type", "application/json"}})
                .status,
            403);
  EXPECT_EQ(call("DELETE", "/api/v1/limits/notion", "", {}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/limits/monday", "", kAuth).status, 404);
}

}  // namespace
}  // namespace sundial::testing
