// End-to-end: child workflows in the real sundiald. A Lua parent fans out
// to three children and gathers their results in order across a kill -9
// taken while they wait; describe lists the children and names their
// parent; cancelling a parent cancels its waiting children.
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

const char* const kChild = R"lua(
return {
  run = function(ctx, input)
    ctx:wait("go")
    return input.n * 10
  end,
}
)lua";

const char* const kFanout = R"lua(
return {
  run = function(ctx, input)
    local children = {}
    for i = 1, input.count do
      children[i] = ctx:start_child("child-" .. i, { type = "child", input = { n = i } })
    end
    local results = {}
    for i, child in ipairs(children) do
      results[i] = ctx:wait("child:" .. child.instance_id).payload.result
    end
    return results
  end,
}
)lua";

class ChildWorkflowsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scripts());
    std::ofstream(scripts() / "child.lua", std::ios::binary | std::ios::trunc) << kChild;
    std::ofstream(scripts() / "fanout.lua", std::ios::binary | std::ios::trunc) << kFanout;
  }
  std::filesystem::path scripts() const { return std::filesystem::path(dir.sub("workflows")); }
  void start() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"),
                                             std::vector<std::string>{"--workflows-dir", scripts().string()});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  nlohmann::json get(const std::string& path) {
    HttpConnection c(daemon->port());
    return json_of(c.request("GET", path));
  }
  std::optional<HttpReply> post(const std::string& path, const nlohmann::json& body) {
    HttpConnection c(daemon->port());
    return c.request("POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  // Polls describe until the instance has `status`.
  nlohmann::json wait_for_status(const std::string& id, const std::string& status) {
    nlohmann::json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      last = get("/api/v1/instances/" + id);
      if (last.is_object() && last.value("status", "") == status) return last;
    }
    ADD_FAILURE() << id << " never became " << status << ": " << last.dump();
    return last;
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(ChildWorkflowsE2E, AFanOutGathersItsChildrenInOrderAcrossAKill) {
  start();
  auto started = post("/api/v1/workflows/fanout/instances", {{"id", "recompute"}, {"input", {{"count", 3}}}});
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 201) << started->body;
  for (int i = 1; i <= 3; ++i) wait_for_status("recompute.child-" + std::to_string(i), "waiting");
  auto parent = get("/api/v1/instances/recompute");
  EXPECT_EQ(parent["children"],
            (nlohmann::json{"recompute.child-1", "recompute.child-2", "recompute.child-3"}))
      << parent.dump();
  EXPECT_EQ(get("/api/v1/instances/recompute.child-2")["parent"]["id"], "recompute");
  daemon->kill();
  start();
  for (int i : {3, 1, 2}) {  // ended out of order
    auto sent =
        post("/api/v1/instances/recompute.child-" + std::to_string(i) + "/signals/go", nlohmann::json());
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 202) << sent->body;
  }
  auto done = wait_for_status("recompute", "completed");
  EXPECT_EQ(done["result"], (nlohmann::json{10, 20, 30})) << done.dump();
}

TEST_F(ChildWorkflowsE2E, CancellingAParentCancelsItsChildren) {
  start();
  auto started = post("/api/v1/workflows/fanout/instances", {{"id", "p"}, {"input", {{"count", 2}}}});
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 201) << started->body;
  wait_for_status("p.child-1", "waiting");
  wait_for_status("p.child-2", "waiting");
  auto cancelled = post("/api/v1/instances/p/cancel", {{"reason", "deleted upstream"}});
  ASSERT_TRUE(cancelled);
  ASSERT_EQ(cancelled->status, 200) << cancelled->body;
  for (const char* child : {"p.child-1", "p.child-2"}) {
    auto c = wait_for_status(child, "cancelled");
    EXPECT_EQ(c["cancel_reason"], "parent 'p' was cancelled: deleted upstream") << c.dump();
  }
}

}  // namespace
}  // namespace sundial::testing
