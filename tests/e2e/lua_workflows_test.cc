// End-to-end: Lua workflows in the real sundiald — a workflows directory,
// PUT/GET/DELETE /api/v1/workflows/{type}, a script's webhook trigger, hot
// reload on a file change, versions side by side, and kill -9 in the
// middle of a Lua workflow (an acknowledged PUT and a started instance
// survive it).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

const char* const kGreet = R"lua(
return {
  run = function(ctx, input)
    local r = ctx:step("hello", function(info) return { msg = "hi " .. input.name } end)
    ctx:sleep("200ms")
    local sig = ctx:wait({ "go" }, { timeout = "30s" })
    return { said = r.msg, signal = sig and sig.name }
  end,
  triggers = {
    { path = "/webhooks/greet", signature = "none",
      map = function(body) return { start = { id = "hook-" .. body.id, input = { name = body.name } } } end },
  },
}
)lua";

nlohmann::json json_of(const std::optional<HttpReply>& reply) {
  if (!reply) return nullptr;
  return nlohmann::json::parse(reply->body, nullptr, false);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class LuaWorkflowsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scripts());
    write_file(scripts() / "greet.lua", kGreet);
  }
  std::filesystem::path scripts() const { return std::filesystem::path(dir.sub("workflows")); }
  std::unique_ptr<DaemonProcess> start() {
    auto d = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--workflows-dir", scripts().string()});
    EXPECT_GT(d->port(), 0) << d->log();
    return d;
  }
  // Polls describe until `done(instance)` or 20 s.
  nlohmann::json wait_for(int port, const std::string& id,
                          const std::function<bool(const nlohmann::json&)>& done) {
    nlohmann::json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      HttpConnection c(port);
      last = json_of(c.request("GET", "/api/v1/instances/" + id));
      if (last.is_object() && done(last)) return last;
    }
    ADD_FAILURE() << "instance " << id << " never got there: " << last.dump();
    return last;
  }

  TempDir dir;
};

TEST_F(LuaWorkflowsE2E, ADirectoryScriptRunsStartsFromItsTriggerAndReturnsItsResult) {
  auto daemon = start();
  HttpConnection c(daemon->port());
  auto started = c.request("POST", "/api/v1/workflows/greet/instances",
                           R"({"id":"g1","input":{"name":"ada"}})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 201) << started->body;
  auto hooked = c.request("POST", "/webhooks/greet", R"({"id":"7","name":"bob"})",
                          {{"Content-Type", "application/json"}});
  ASSERT_TRUE(hooked);
  EXPECT_EQ(hooked->status, 202) << hooked->body;
  wait_for(daemon->port(), "g1",
           [](const nlohmann::json& i) { return i["waiting_for_signals"] == nlohmann::json{"go"}; });
  auto signalled =
      c.request("POST", "/api/v1/instances/g1/signals/go", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(signalled);
  EXPECT_EQ(signalled->status, 202) << signalled->body;
  auto done =
      wait_for(daemon->port(), "g1", [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(done["result"], (nlohmann::json{{"said", "hi ada"}, {"signal", "go"}}));
  auto hook =
      wait_for(daemon->port(), "hook-7", [](const nlohmann::json& i) { return i["status"] == "waiting"; });
  EXPECT_EQ(hook["input"]["name"], "bob");
  auto bad =
      c.request("POST", "/webhooks/greet", R"({"name":"no id"})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;  // body.id is nil: the map's error, nothing stored
}

TEST_F(LuaWorkflowsE2E, APutScriptAndItsInstancesSurviveKill9AndAFileEditMakesANewVersion) {
  auto daemon = start();
  std::string quick = "return { run = function(ctx) ctx:sleep(\"1s\") return { v = 1 } end }";
  std::string version;
  {
    HttpConnection c(daemon->port());
    auto put = c.request("PUT", "/api/v1/workflows/quick", quick, {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(put);
    ASSERT_EQ(put->status, 201) << put->body;
    version = json_of(put)["version"];
    auto broken = c.request("PUT", "/api/v1/workflows/quick", "return { run = function( end }",
                            {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(broken);
    EXPECT_EQ(broken->status, 400);
    EXPECT_NE(broken->body.find("quick.lua:1:"), std::string::npos) << broken->body;
    auto wrong_type =
        c.request("PUT", "/api/v1/workflows/quick", quick, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(wrong_type);
    EXPECT_EQ(wrong_type->status, 415);
    auto file_type = c.request("PUT", "/api/v1/workflows/greet", quick, {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(file_type);
    EXPECT_EQ(file_type->status, 409);
    auto s = c.request("POST", "/api/v1/workflows/quick/instances", R"({"id":"q1"})",
                       {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 201) << s->body;
    s = c.request("POST", "/api/v1/workflows/greet/instances", R"({"id":"g1","input":{"name":"ada"}})",
                  {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 201) << s->body;
  }
  daemon->kill();
  write_file(scripts() / "greet.lua", std::string(kGreet) + "-- edited\n");
  daemon = start();
  HttpConnection c(daemon->port());
  auto source = c.request("GET", "/api/v1/workflows/quick");
  ASSERT_TRUE(source);
  EXPECT_EQ(source->status, 200);
  EXPECT_EQ(source->body, quick);
  auto q1 =
      wait_for(daemon->port(), "q1", [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(q1["result"], (nlohmann::json{{"v", 1}}));
  EXPECT_EQ(q1["version"], version);

  // g1 keeps the version it started on; the edited file is the current one.
  auto list = json_of(c.request("GET", "/api/v1/workflows"));
  nlohmann::json greet;
  for (const auto& w : list["workflows"]) {
    if (w["type"] == "greet") greet = w;
  }
  ASSERT_EQ(greet["versions"].size(), 2u) << list.dump();
  EXPECT_EQ(greet["versions"][0]["running"], 0);
  EXPECT_EQ(greet["versions"][1]["running"], 1);

  // A change to the file while it runs: a new version, without a restart.
  write_file(scripts() / "greet.lua", std::string(kGreet) + "-- edited again\n");
  EXPECT_TRUE(daemon->wait_for_log("workflow 'greet' now runs version")) << daemon->log();

  auto in_use = c.request("DELETE", "/api/v1/workflows/greet");
  ASSERT_TRUE(in_use);
  EXPECT_EQ(in_use->status, 409);  // a file's type: delete the file
  auto removed = c.request("DELETE", "/api/v1/workflows/quick");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 200) << removed->body;
  auto gone =
      c.request("POST", "/api/v1/workflows/quick/instances", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
}

TEST_F(LuaWorkflowsE2E, AScriptThatDoesNotLoadStopsStartUpWithItsLine) {
  write_file(scripts() / "broken.lua", "return {\n  run = function(ctx) oops( end\n}\n");
  DaemonProcess daemon(dir.sub("data"), {"--workflows-dir", scripts().string()});
  EXPECT_EQ(daemon.port(), 0);
  EXPECT_NE(daemon.log().find("broken.lua:2:"), std::string::npos) << daemon.log();
}

}  // namespace
}  // namespace sundial::testing
