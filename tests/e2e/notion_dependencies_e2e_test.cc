// End to end: dependency rescheduling and the critical path
// (docs/recipes/notion-dependencies.md) — the real sundiald with its
// shipped notion_reschedule and notion_critical_path scripts, POST
// /webhooks/notion publishing TaskPropertiesUpdated to the topic `tasks`,
// the two subscriptions [notion_dependencies] declares, the fake Notion
// (tests/support/fake_notion.h) behind [notion] base_url, and a real SSE
// client on GET /api/v1/topics/tasks/stream that receives the events the
// workflows publish.
//
// The project (dates Mon 2026-12-07 onwards, working days):
//   A (Mon-Wed, 3) ──> B (Thu-Fri, 2) ──> C (Mon-Wed, 3) ──> E (Thu, 1)
//     └──────────────> D (Thu, 1) ───────────────────────────┘
// plus X in another project. The critical path is A B C E (9 days).
// Moving A's end from Wed to Fri (+2 working days) moves B, C, D and E by
// two working days over the weekend, once each (E has two paths), and not
// X; the path grows to 11 days. Sundial's own write to B, delivered back
// as a webhook, moves nothing again. A loop F <-> G is reported, not
// followed. A dry run publishes the same plan and writes nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "tests/server/api/sse_frames.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_notion.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace notion_dependencies_e2e {

using nlohmann::json;

const std::string kToken = "dependencies-e2e-admin";
const std::string kWebhookSecret = "secret_dependencies_e2e";
const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kProject = "cccccccc-0000-4000-8000-000000000001";
const std::string kOtherProject = "cccccccc-0000-4000-8000-000000000002";

std::string task(char name) {
  return std::string("dddddddd-0000-4000-8000-00000000000") + static_cast<char>('0' + (name - 'A'));
}
// The id as the workflows report it: no dashes, lower case.
std::string canonical(char name) {
  std::string id = task(name);
  std::erase(id, '-');
  return id;
}

class NotionDependenciesE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    notion.add_database(kTasks, "ds-tasks");
    add_task('A', "2026-12-07", "2026-12-09", {}, kProject);
    add_task('B', "2026-12-10", "2026-12-11", {'A'}, kProject);
    add_task('C', "2026-12-14", "2026-12-16", {'B'}, kProject);
    add_task('D', "2026-12-10", std::nullopt, {'A'}, kProject);
    add_task('E', "2026-12-17", std::nullopt, {'C', 'D'}, kProject);
    add_task('X', "2026-12-10", "2026-12-11", {}, kOtherProject);
    add_task('F', "2026-12-07", "2026-12-08", {'G'}, kOtherProject);
    add_task('G', "2026-12-09", "2026-12-10", {'F'}, kOtherProject);
  }
  void start(const std::string& mode) {
    std::string config = dir.sub("sundiald.toml");
    std::ofstream(config) << "[notion]\nbase_url = \"" << notion.base_url()
                          << "\"\nrate_per_second = 100\nburst = 20\n\n"
                          << "[notion_dependencies]\ntasks_db_id = \"" << kTasks
                          << "\"\nmode = \"" << mode << "\"\ncritical_path_debounce = \"200ms\"\n";
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--config", config},
        std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken, "NOTION_TOKEN=secret_test",
                                 "NOTION_WEBHOOK_SECRET=" + kWebhookSecret});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
    // The browser's view: every event of the topic from its start.
    stream = std::make_unique<HttpConnection>(daemon->port(), 30000);
    ASSERT_TRUE(stream->send_raw(http_request_bytes("GET", "/api/v1/topics/tasks/stream?since=0", "",
                                                    {{"Authorization", "Bearer " + kToken}})));
  }
  void TearDown() override {
    stream.reset();
    if (!daemon) return;
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  void add_task(char name, const std::string& start, std::optional<std::string> end,
                const std::vector<char>& blocked_by, const std::string& project) {
    std::vector<std::string> blockers;
    for (char b : blocked_by) blockers.push_back(task(b));
    notion.add_page(kTasks, notion_page(task(name), kTasks,
                                        {{"Name", title_prop(std::string(1, name))},
                                         {"Dates", date_prop(start, std::move(end))},
                                         {"Blocked by", relation_prop(blockers)},
                                         {"Project", relation_prop({project})},
                                         {"Critical", checkbox_prop(false)}}));
  }
  // Moves a task's dates in the fake, as a person editing Notion would.
  void edit_dates(char name, const std::string& start, const std::string& end) {
    json page = notion.page(task(name));
    page["properties"]["Dates"] = date_prop(start, end);
    notion.add_page(kTasks, page);
  }
  json dates_of(char name) { return notion.page(task(name))["properties"]["Dates"]["date"]; }
  bool critical(char name) { return notion.page(task(name))["properties"]["Critical"]["checkbox"] == true; }

  // Notion's integration webhook for a change of `name`, signed.
  void deliver(char name) {
    json event = {{"id", "evt-" + std::to_string(++deliveries)},
                  {"timestamp", "2026-12-03T10:00:00.000Z"},
                  {"type", "page.properties_updated"},
                  {"entity", {{"id", task(name)}, {"type", "page"}}},
                  {"data", {{"parent", {{"id", kTasks}, {"type", "database"}}}, {"updated_properties", {"x"}}}}};
    std::string body = event.dump();
    HttpConnection c(daemon->port());
    auto reply = c.request("POST", "/webhooks/notion", body,
                           {{"Content-Type", "application/json"},
                            {"X-Notion-Signature", "sha256=" + hmac_sha256_hex(kWebhookSecret, body)}});
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->status, 202) << reply->body;
  }

  // The stream's frames of `type`, once `count` of them have arrived whole
  // (through the blank line that ends the last).
  std::vector<SseTestFrame> frames(const std::string& type, size_t count) {
    std::string marker = "event: " + type + "\n";
    std::string got = stream->read_until(marker, count);
    for (size_t last = got.rfind(marker); last != std::string::npos && got.find("\n\n", last) == std::string::npos;) {
      size_t ends = 0;
      for (size_t at = got.find("\n\n"); at != std::string::npos; at = got.find("\n\n", at + 2)) ++ends;
      std::string more = stream->read_until("\n\n", ends + 1);
      if (more.size() == got.size()) break;  // the stream ended or timed out
      got = std::move(more);
    }
    size_t body = got.find("\r\n\r\n");
    std::vector<SseTestFrame> out;
    for (auto& f : sse_frames_of(body == std::string::npos ? "" : got.substr(body + 4))) {
      if (f.event == type) out.push_back(std::move(f));
    }
    EXPECT_GE(out.size(), count) << type << "\n" << got.substr(0, 4000) << "\n" << daemon->log();
    return out;
  }

  json call(const std::string& method, const std::string& target) {
    HttpConnection c(daemon->port());
    auto reply = c.request(method, target, "", {{"Authorization", "Bearer " + kToken}});
    if (!reply) return nullptr;
    auto j = json::parse(reply->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }
  // Polls until every instance of `type` is completed and there are at
  // least `count`; their descriptions.
  std::vector<json> completed(const std::string& type, size_t count) {
    std::vector<json> all;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      json page = call("GET", "/api/v1/instances?type=" + type + "&limit=1000");
      all.clear();
      bool done = page["instances"].is_array();
      for (const auto& i : done ? page["instances"] : json::array()) {
        all.push_back(call("GET", "/api/v1/instances/" + i["id"].get<std::string>()));
        done = done && all.back()["status"] == "completed";
      }
      if (done && all.size() >= count) return all;
    }
    ADD_FAILURE() << type << " never settled: " << json(all).dump().substr(0, 3000) << "\n" << daemon->log();
    return all;
  }

  TempDir dir;
  FakeNotion notion;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<HttpConnection> stream;
  int deliveries = 0;
};

TEST_F(NotionDependenciesE2e, AnEndDateChangeMovesTheChainAndTheCriticalPathReachesTheStream) {
  start("live");
  // First sight of A: its snapshot is taken, and its project's critical path computed.
  deliver('A');
  auto first = frames("CriticalPathCalculated", 1);
  ASSERT_FALSE(first.empty());
  const json& path = first[0].data["data"];
  EXPECT_EQ(path["project"], "cccccccc000040008000000000000001") << "the project's page id, canonical";
  EXPECT_EQ(path["length"], 9);
  EXPECT_EQ(path["path"], json({canonical('A'), canonical('B'), canonical('C'), canonical('E')}));
  EXPECT_TRUE(!path.contains("cycle") || path.at("cycle").is_null());
  for (char t : {'A', 'B', 'C', 'E'}) EXPECT_TRUE(critical(t)) << t;
  EXPECT_FALSE(critical('D'));
  // B seen too, with its dates before the move (its project is computed again).
  deliver('B');
  frames("CriticalPathCalculated", 2);

  // A now ends on Friday: two working days later.
  edit_dates('A', "2026-12-07", "2026-12-11");
  deliver('A');
  auto moved = frames("DependentTasksRescheduled", 1);
  ASSERT_FALSE(moved.empty());
  const json& r = moved[0].data["data"];
  EXPECT_EQ(r["task"], canonical('A'));
  EXPECT_EQ(r["delta_working_days"], 2);
  EXPECT_EQ(r["rescheduled"].size(), 4u) << r.dump() << ": B, C, D and E, E once";
  EXPECT_EQ(r["rescheduled_count"], 4);
  EXPECT_TRUE(r["skipped"].empty()) << r.dump();
  EXPECT_EQ(r["dry_run"], false);
  EXPECT_EQ(dates_of('B')["start"], "2026-12-14");  // Thu + 2 = Mon
  EXPECT_EQ(dates_of('B')["end"], "2026-12-15");
  EXPECT_EQ(dates_of('C')["start"], "2026-12-16");
  EXPECT_EQ(dates_of('C')["end"], "2026-12-18");
  EXPECT_EQ(dates_of('D')["start"], "2026-12-14");
  EXPECT_TRUE(dates_of('D')["end"].is_null());
  EXPECT_EQ(dates_of('E')["start"], "2026-12-21");  // Thu + 2 = Mon
  EXPECT_EQ(dates_of('X')["start"], "2026-12-10") << "another project's task stays";

  auto third = frames("CriticalPathCalculated", 3);
  ASSERT_GE(third.size(), 3u);
  EXPECT_EQ(third.back().data["data"]["length"], 11);

  // Notion tells Sundial about its own write to B. B's snapshot, taken
  // before the write, already holds the new dates: nothing moves again
  // (with the snapshot of B's first sight, C would move twice).
  size_t patches = notion.count("PATCH");
  deliver('B');
  auto runs = completed("notion_reschedule", 4);
  for (const json& run : runs) {
    if (run["input"]["page"] != canonical('B')) continue;
    EXPECT_TRUE(run["result"]["shifted"].empty()) << run.dump();
    EXPECT_FALSE(run["result"].contains("delta_working_days")) << run.dump();
  }
  EXPECT_EQ(notion.count("PATCH"), patches);
  EXPECT_EQ(dates_of('C')["start"], "2026-12-16");
}

TEST_F(NotionDependenciesE2e, ALoopIsReportedAndEachTaskMovesOnce) {
  start("live");
  deliver('F');
  frames("CriticalPathCalculated", 1);
  edit_dates('F', "2026-12-07", "2026-12-09");  // one working day later
  deliver('F');
  auto moved = frames("DependentTasksRescheduled", 1);
  ASSERT_FALSE(moved.empty());
  const json& r = moved[0].data["data"];
  ASSERT_EQ(r["rescheduled"].size(), 1u) << r.dump();
  EXPECT_EQ(r["rescheduled"][0]["id"], canonical('G'));
  EXPECT_EQ(r["cycle"], json({{"from", canonical('G')}, {"to", canonical('F')}}));
  EXPECT_EQ(dates_of('G')["start"], "2026-12-10");
  EXPECT_EQ(dates_of('F')["end"], "2026-12-09") << "the changed task itself is never moved";
  // The critical path of the other project names the loop and flags nothing.
  auto paths = frames("CriticalPathCalculated", 2);
  ASSERT_GE(paths.size(), 2u);
  EXPECT_FALSE(paths.back().data["data"]["cycle"].is_null()) << paths.back().data.dump();
  EXPECT_FALSE(critical('F'));
  EXPECT_FALSE(critical('G'));
}

// A write Notion refuses (the page no longer shared, say) fails the run
// after the moves before it, with Notion's answer; B's snapshot still says
// what Notion has. A retry goes on from that write and finishes the wave.
TEST_F(NotionDependenciesE2e, ARefusedWriteFailsTheRunAndARetryFinishesTheWave) {
  start("live");
  deliver('A');
  frames("CriticalPathCalculated", 1);
  notion.fail_next(1, 404, 1, "/v1/pages/" + task('B'));
  edit_dates('A', "2026-12-07", "2026-12-11");
  deliver('A');
  json failed;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < deadline && failed.is_null();
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    json page = call("GET", "/api/v1/instances?type=notion_reschedule&status=failed");
    if (page["instances"].is_array() && !page["instances"].empty()) failed = page["instances"][0];
  }
  ASSERT_FALSE(failed.is_null()) << daemon->log();
  std::string id = failed["id"];
  json described = call("GET", "/api/v1/instances/" + id);
  EXPECT_NE(described["last_error"].dump().find("404"), std::string::npos) << described.dump();
  EXPECT_EQ(dates_of('B')["start"], "2026-12-10") << "refused: not moved";
  json snapshot = call("GET", "/api/v1/kv/notion-dependencies/task/" + canonical('B'));
  EXPECT_FALSE(snapshot.contains("value") && snapshot["value"].is_object() &&
               snapshot["value"]["start"] == "2026-12-14")
      << snapshot.dump() << ": no snapshot of a move Notion refused";

  HttpConnection c(daemon->port());
  auto retried = c.request("POST", "/api/v1/instances/" + id + "/retry", "", {{"Authorization", "Bearer " + kToken}});
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 200) << retried->body;
  auto moved = frames("DependentTasksRescheduled", 1);
  ASSERT_FALSE(moved.empty());
  EXPECT_EQ(moved[0].data["data"]["rescheduled_count"], 4) << moved[0].data.dump();
  EXPECT_EQ(dates_of('B')["start"], "2026-12-14");
  EXPECT_EQ(dates_of('C')["start"], "2026-12-16");
  EXPECT_EQ(dates_of('E')["start"], "2026-12-21") << "moved once, not again by the retry";
}

TEST_F(NotionDependenciesE2e, ADryRunPublishesThePlanAndWritesNothing) {
  start("dry_run");
  deliver('A');
  frames("CriticalPathCalculated", 1);
  edit_dates('A', "2026-12-07", "2026-12-11");
  deliver('A');
  auto moved = frames("DependentTasksRescheduled", 1);
  ASSERT_FALSE(moved.empty());
  const json& r = moved[0].data["data"];
  EXPECT_EQ(r["dry_run"], true);
  ASSERT_EQ(r["rescheduled"].size(), 4u) << r.dump();
  EXPECT_EQ(r["rescheduled"][0]["to"]["start"], "2026-12-14") << "B's plan";
  auto paths = frames("CriticalPathCalculated", 2);
  ASSERT_GE(paths.size(), 2u);
  EXPECT_EQ(paths.back().data["data"]["dry_run"], true);
  EXPECT_FALSE(paths.back().data["data"]["changed"].empty()) << "the flags it would set";
  EXPECT_EQ(notion.count("PATCH"), 0u) << "nothing written";
  EXPECT_EQ(dates_of('B')["start"], "2026-12-10");
  EXPECT_FALSE(critical('A'));
}

}  // namespace notion_dependencies_e2e
}  // namespace sundial::testing
