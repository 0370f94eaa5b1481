// End to end: the Notion fan-out (docs/recipes/notion-rollup-fanout.md) —
// the real sundiald with its shipped notion_rollup script, POST
// /webhooks/notion, and the fake Notion (tests/support/fake_notion.h)
// behind [notion] base_url, at a test-only rate of 20 requests/s so the
// suite stays within its budget (the limiter's bound is checked at that
// rate). An objective with 250 related tasks over 12 assignees (3 not on
// the allow-list, 5 tasks unassigned) makes 9 recomputes, one at a time
// per person; a burst of 20 changes (debounced for 1 s, a test-only
// setting) makes at most 2 per person; a dry run
// writes nothing; live writes exactly the values that change; a kill -9
// mid-fan-out loses no person and repeats no write with another value.
// Also the verification handshake and both ways of authenticating.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_notion.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace notion_rollup_e2e {

using nlohmann::json;

const std::string kToken = "notion-e2e-admin";
const std::string kWebhookSecret = "secret_e2e_verification_token";
const std::string kAutomationSecret = "automation-e2e-secret";
const std::string kObjectives = "0c1f7cb2-8090-4f18-924e-d92965055e32";
const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kObjective = "2e3f9ed4-a212-4b3a-946a-f14187277a54";
constexpr double kRate = 20;
constexpr double kBurst = 5;

std::string user_id(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "aaaaaaaa-0000-4000-8000-%012d", i);
  return text;
}
std::string task_id(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "bbbbbbbb-0000-4000-8000-%012d", i);
  return text;
}

// Weekdays after `days` (days since the epoch, UTC), as the script counts.
int64_t next_workday(int64_t days) {
  while ((days + 4) % 7 == 0 || (days + 4) % 7 == 6) ++days;
  return days;
}
std::string civil(int64_t days) {
  std::time_t t = static_cast<std::time_t>(days * 86400);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

class NotionRollupE2e : public ::testing::Test {
 protected:
  // 250 tasks related to the objective over 12 people (users 0-11), task
  // i assigned to user i % 12, except 5 without an assignee. Users 9-11
  // are not on the allow-list. Estimates 1-4 h, importance 1-5.
  void seed_objective(int tasks = 250) {
    notion.add_database(kObjectives, "ds-objectives");
    notion.add_database(kTasks, "ds-tasks");
    notion.add_page(kObjectives, notion_page(kObjective, kObjectives, {{"Name", title_prop("Launch")}}));
    for (int i = 0; i < tasks; ++i) {
      std::vector<std::string> people;
      if (i % 50 != 7) people.push_back(user_id(i % 12));
      json properties = {
          {"Name", title_prop("Task " + std::to_string(i))},
          {"Assignee", people_prop(people)},
          {"Objective", relation_prop({kObjective})},
          {"Importance", rollup_number_prop(1 + i % 5)},
          {"Due",
           date_prop(i % 3 == 0 ? std::nullopt
                                : std::optional<std::string>("2026-12-" + std::to_string(10 + i % 9)))},
          {"Estimate", number_prop(1 + i % 4)},
          {"Status", status_prop(i % 10 == 3 ? "Done" : "In progress")},
          {"Queue Rank", number_prop(std::nullopt)},
          {"Projected Completion", date_prop(std::nullopt)}};
      char created[40];
      std::snprintf(created, sizeof created, "2026-11-%02dT10:00:00.000Z", 1 + i % 28);
      notion.add_page(kTasks, notion_page(task_id(i), kTasks, properties, created));
    }
  }

  void start_daemon(const std::string& mode, bool with_secret = true) {
    std::string config = dir.sub("sundiald.toml");
    std::ofstream out(config);
    out << "[notion]\nbase_url = \"" << notion.base_url() << "\"\nrate_per_second = " << kRate
        << "\nburst = " << kBurst << "\n\n[notion_rollup]\nobjectives_db_id = \"" << kObjectives
        << "\"\ntasks_db_id = \"" << kTasks << "\"\nmode = \"" << mode
        << "\"\nobjective_debounce = \"1s\"\nallow = [";
    for (int i = 0; i < 9; ++i) out << (i ? ", " : "") << '"' << user_id(i) << '"';
    out << "]\n";
    out.close();
    std::vector<std::string> env = {"SUNDIAL_ADMIN_TOKEN=" + kToken, "NOTION_TOKEN=secret_test",
                                    "NOTION_AUTOMATION_SECRET=" + kAutomationSecret};
    if (with_secret) env.push_back("NOTION_WEBHOOK_SECRET=" + kWebhookSecret);
    daemon =
        std::make_unique<DaemonProcess>(dir.sub("data"), std::vector<std::string>{"--config", config}, env);
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  void TearDown() override {
    if (!daemon) return;
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  json call(const std::string& method, const std::string& target, int* status = nullptr) {
    HttpConnection c(daemon->port());
    auto reply = c.request(method, target, "", {{"Authorization", "Bearer " + kToken}});
    if (status != nullptr) *status = reply ? reply->status : 0;
    if (!reply) return nullptr;
    auto j = json::parse(reply->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }
  HttpReply post(const std::string& body, std::map<std::string, std::string> headers) {
    headers.emplace("Content-Type", "application/json");
    HttpConnection c(daemon->port());
    auto reply = c.request("POST", "/webhooks/notion", body, headers);
    return reply ? *reply : HttpReply{};
  }
  HttpReply deliver_signed(const json& event) {
    std::string body = event.dump();
    return post(body, {{"X-Notion-Signature", "sha256=" + hmac_sha256_hex(kWebhookSecret, body)}});
  }
  // A database automation's "Send webhook" for task `i`, assigned to `user`.
  int deliver_automation(int i, const std::string& user) {
    json body = {{"source", {{"type", "automation"}}},
                 {"data", notion_page(task_id(i), kTasks, {{"Assignee", people_prop({user})}})}};
    body["data"]["object"] = "page";
    // Each edit is its own delivery (the same body again is a redelivery).
    body["data"]["last_edited_time"] = "2026-12-02T10:00:00." + std::to_string(++edits) + "Z";
    return post(body.dump(), {{"X-Sundial-Secret", kAutomationSecret}}).status;
  }
  json objective_event(const std::string& event_id) {
    return {
        {"id", event_id},
        {"timestamp", "2026-12-02T10:00:00.000Z"},
        {"type", "page.properties_updated"},
        {"workspace_id", "w"},
        {"subscription_id", "s"},
        {"integration_id", "i"},
        {"attempt_number", 1},
        {"authors", {{{"id", "u"}, {"type", "person"}}}},
        {"entity", {{"id", kObjective}, {"type", "page"}}},
        {"data", {{"parent", {{"id", kObjectives}, {"type", "database"}}}, {"updated_properties", {"abc"}}}}};
  }

  // Every notion_rollup instance, described.
  std::vector<json> instances() {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      json page = call("GET", "/api/v1/instances?type=notion_rollup&limit=1000" +
                                  (cursor.empty() ? "" : "&cursor=" + cursor));
      if (!page["instances"].is_array()) return out;
      for (const auto& i : page["instances"])
        out.push_back(call("GET", "/api/v1/instances/" + i["id"].get<std::string>()));
      if (!page["next_cursor"].is_string()) return out;
      cursor = page["next_cursor"];
    }
  }
  // Polls until every notion_rollup instance is completed and there are
  // at least `min_recomputes` recomputes; the instances.
  std::vector<json> settle(size_t min_recomputes, int timeout_s = 60) {
    std::vector<json> all;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
      all = instances();
      size_t recomputes = 0;
      bool done = !all.empty();
      for (const auto& i : all) {
        done = done && i["status"] == "completed";
        if (i["input"].contains("assignee")) ++recomputes;
      }
      if (done && recomputes >= min_recomputes) return all;
    }
    ADD_FAILURE() << "the instances never settled: " << json(all).dump().substr(0, 3000) << "\n"
                  << daemon->log();
    return all;
  }
  std::map<std::string, std::vector<json>> recomputes_by_person(const std::vector<json>& all) {
    std::map<std::string, std::vector<json>> out;
    for (const auto& i : all) {
      if (i["input"].contains("assignee")) out[i["input"]["assignee"]].push_back(i);
    }
    return out;
  }
  // When a recompute ran: from its load step's completion to its end.
  std::pair<int64_t, int64_t> ran(const json& instance) {
    json history = call("GET", "/api/v1/instances/" + instance["id"].get<std::string>() + "/history");
    int64_t from = 0;
    for (const auto& e : history["entries"]) {
      if (e["event"] == "step_completed" && e["step"] == "load-tasks") from = e["at"];
    }
    return {from, instance["finished_at"].get<int64_t>()};
  }
  // The expected queue of one person: their open tasks ordered as the
  // script documents, with rank and projected date.
  std::map<std::string, std::pair<int, std::string>> expected_queue(const std::string& user) {
    std::vector<json> open;
    for (int i = 0; i < 250; ++i) {
      json p = notion.page(task_id(i));
      auto& people = p["properties"]["Assignee"]["people"];
      if (people.empty() || people[0]["id"] != user) continue;
      if (p["properties"]["Status"]["status"]["name"] == "Done") continue;
      open.push_back(p);
    }
    auto importance = [](const json& p) {
      return p["properties"]["Importance"]["rollup"]["number"].get<double>();
    };
    auto due = [](const json& p) {
      const json& d = p["properties"]["Due"]["date"];
      return d.is_object() ? d["start"].get<std::string>() : std::string("~");
    };
    std::sort(open.begin(), open.end(), [&](const json& a, const json& b) {
      if (importance(a) != importance(b)) return importance(a) > importance(b);
      if (due(a) != due(b)) return due(a) < due(b);
      if (a["created_time"] != b["created_time"]) return a["created_time"] < b["created_time"];
      return a["id"] < b["id"];
    });
    int64_t today =
        std::chrono::duration_cast<std::chrono::hours>(std::chrono::system_clock::now().time_since_epoch())
            .count() /
        24;
    std::map<std::string, std::pair<int, std::string>> out;
    double hours = 0;
    for (size_t r = 0; r < open.size(); ++r) {
      hours += open[r]["properties"]["Estimate"]["number"].get<double>();
      int64_t offset = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(hours / 6)) - 1);
      int64_t day = next_workday(today);
      for (int64_t k = 0; k < offset; ++k) day = next_workday(day + 1);
      out[open[r]["id"]] = {static_cast<int>(r + 1), civil(day)};
    }
    return out;
  }
  size_t patches() { return notion.count("PATCH", "/v1/pages/"); }

  TempDir dir;
  FakeNotion notion;
  std::unique_ptr<DaemonProcess> daemon;
  std::atomic<int> edits{0};
};

TEST_F(NotionRollupE2e, HandshakeAndBothWaysIn) {
  seed_objective(3);
  // Before the operator sets the secret: the verification request is
  // answered 200 without a signature, logged and shown, not adopted.
  start_daemon("dry_run", /*with_secret=*/false);
  HttpReply verify = post(R"({"verification_token":"secret_from_notion"})", {});
  EXPECT_EQ(verify.status, 200) << verify.body;
  json shown = call("GET", "/api/v1/webhooks/notion/verification");
  EXPECT_EQ(shown["verification_token"], "secret_from_notion") << shown.dump();
  EXPECT_EQ(shown["secret_configured"], false);
  EXPECT_TRUE(daemon->wait_for_log("secret_from_notion", 5000));
  int status = 0;
  call("GET", "/api/v1/webhooks/nothing/verification", &status);
  EXPECT_EQ(status, 404);
  std::string early = objective_event("evt-early").dump();
  EXPECT_EQ(
      post(early, {{"X-Notion-Signature", "sha256=" + hmac_sha256_hex("secret_from_notion", early)}}).status,
      503)
      << "signed deliveries wait for the operator's secret";
  ASSERT_EQ(daemon->stop(), 0);
  daemon.reset();

  // The operator set NOTION_WEBHOOK_SECRET: a new verification request is
  // answered and not kept.
  start_daemon("dry_run");
  EXPECT_EQ(post(R"({"verification_token":"secret_forged"})", {}).status, 200);
  EXPECT_TRUE(call("GET", "/api/v1/webhooks/notion/verification")["verification_token"].is_null());

  json event = objective_event("evt-handshake");
  std::string body = event.dump();
  EXPECT_EQ(post(body, {}).status, 401) << "unsigned";
  EXPECT_EQ(
      post(body, {{"X-Notion-Signature", "sha256=" + hmac_sha256_hex("secret_from_notion", body)}}).status,
      401)
      << "signed with a token the operator did not set";
  EXPECT_EQ(
      post(body, {{"X-Notion-Signature", "sha256=" + hmac_sha256_hex(kWebhookSecret, body + " ")}}).status,
      401);
  EXPECT_EQ(post(body, {{"X-Sundial-Secret", "wrong"}}).status, 401);
  EXPECT_TRUE(instances().empty()) << "a refused delivery starts nothing";

  // A well-signed delivery no workflow wants: acknowledged and ignored.
  json other = objective_event("evt-other");
  other["data"]["parent"]["id"] = "3f4a0fe5-b323-4c4b-a57b-025298388b65";
  HttpReply ignored = deliver_signed(other);
  EXPECT_EQ(ignored.status, 202) << ignored.body;
  EXPECT_NE(ignored.body.find("ignored"), std::string::npos) << ignored.body;

  // Signed, then redelivered: one fan-out.
  EXPECT_EQ(deliver_signed(event).status, 202);
  EXPECT_EQ(deliver_signed(event).status / 100, 2);
  // A database automation with the shared secret: a task's assignee directly.
  json automation = {{"source", {{"type", "automation"}}},
                     {"data", notion_page(task_id(1), kTasks, {{"Assignee", people_prop({user_id(1)})}})}};
  automation["data"]["object"] = "page";
  HttpReply routed = post(automation.dump(), {{"X-Sundial-Secret", kAutomationSecret}});
  EXPECT_EQ(routed.status, 202) << routed.body;
  std::vector<json> all = settle(1);
  size_t fan_outs = 0;
  for (const auto& i : all) fan_outs += i["input"].contains("objective") ? 1 : 0;
  EXPECT_EQ(fan_outs, 1u);
}

// Hostile bytes at /webhooks/notion, signed with the right secret (so they
// reach the parser and the mapping): each a clear 4xx, and nothing starts.
TEST_F(NotionRollupE2e, HostileDeliveriesAre4xxAndStartNothing) {
  seed_objective(3);
  start_daemon("dry_run");
  auto signed_post = [&](const std::string& body, const std::string& type = "application/json") {
    HttpConnection c(daemon->port());
    auto reply = c.request(
        "POST", "/webhooks/notion", body,
        {{"Content-Type", type}, {"X-Notion-Signature", "sha256=" + hmac_sha256_hex(kWebhookSecret, body)}});
    return reply ? reply->status : 0;
  };
  json bad_id = objective_event("evt-bad-id");
  bad_id["entity"]["id"] = "../../api/v1/instances";
  json number_id = objective_event("evt-number-id");
  number_id["entity"]["id"] = 12;
  json huge_id = objective_event("evt-huge-id");
  huge_id["entity"]["id"] = std::string(5000, 'a');
  std::string deep = std::string(200, '[') + std::string(200, ']');
  std::string bad_utf8 =
      R"({"id":"e","type":"page.created","entity":{"id":"x)" + std::string("ÿþ") + R"(","type":"page"}})";
  json automation = {
      {"data",
       {{"object", "page"},
        {"id", task_id(1)},
        {"parent", {{"type", "database_id"}, {"database_id", kTasks}}},
        {"properties", {{"Assignee", {{"type", "people"}, {"people", {{{"id", "u\n1"}}}}}}}}}}};
  for (const auto& [body, want] : std::vector<std::pair<std::string, int>>{
           {bad_id.dump(), 400},
           {number_id.dump(), 400},
           {huge_id.dump(), 400},
           {deep, 400},
           {bad_utf8, 400},
           {"{\"id\": ", 400},
           {std::string(2 << 20, ' '), 413},
       }) {
    EXPECT_EQ(signed_post(body), want) << body.substr(0, 120);
  }
  EXPECT_EQ(signed_post(objective_event("evt-text").dump(), "text/plain"), 415);
  EXPECT_EQ(post(automation.dump(), {{"X-Sundial-Secret", kAutomationSecret}}).status, 400);
  // A verification request that is not one goes on to the signature check.
  EXPECT_EQ(post(R"({"verification_token":"has\nnewline"})", {}).status, 401);
  EXPECT_EQ(post(R"({"verification_token":")" + std::string(10000, 'x') + R"("})", {}).status, 401);
  EXPECT_TRUE(instances().empty()) << "nothing started";
  // And the route still works.
  EXPECT_EQ(deliver_signed(objective_event("evt-after")).status, 202);
  settle(3);
}

TEST_F(NotionRollupE2e, DryRunFansOutToNineAllowedPeopleAndWritesNothing) {
  seed_objective();
  start_daemon("dry_run");
  ASSERT_EQ(deliver_signed(objective_event("evt-1")).status, 202);
  std::vector<json> all = settle(9);
  const json* fan_out = nullptr;
  for (const auto& i : all) {
    if (i["input"].contains("objective")) fan_out = &i;
  }
  ASSERT_NE(fan_out, nullptr);
  const json& r = (*fan_out)["result"];
  EXPECT_EQ(r["related_task_count"], 250) << r.dump();
  EXPECT_EQ(r["unique_assignee_count"], 12);
  EXPECT_EQ(r["skipped_without_assignee"], 5);
  EXPECT_EQ(r["recomputes_started"], 9);
  EXPECT_EQ(r["not_allowed"], 3);
  auto people = recomputes_by_person(all);
  EXPECT_EQ(people.size(), 9u);
  for (const auto& [user, runs] : people) {
    EXPECT_EQ(runs.size(), 1u) << user;
    const json& result = runs[0]["result"];
    EXPECT_EQ(result["mode"], "dry_run");
    EXPECT_EQ(result["updated"], 0);
    EXPECT_GT(result["planned"].get<int>(), 0);
    EXPECT_EQ(result["writes"].size(), result["planned"].get<size_t>());
  }
  EXPECT_EQ(patches(), 0u) << "a dry run writes nothing";
  EXPECT_TRUE(daemon->wait_for_log("\"related_task_count\":250", 1000)) << daemon->log();
  EXPECT_TRUE(daemon->wait_for_log("dry run: would write", 1000));
  // The limiter held: at most burst + rate × W requests in any W seconds.
  for (int64_t w : {1, 2, 5}) EXPECT_LE(notion.max_in_window(w * 1000), kBurst + kRate * w) << w;
}

TEST_F(NotionRollupE2e, LiveWritesExactlyTheChangedValuesOnePersonAtATime) {
  seed_objective();
  // Two people's queues are already right for half their tasks.
  for (int u : {0, 1}) {
    for (const auto& [page, value] : expected_queue(user_id(u))) {
      if (value.first % 2 != 0) continue;
      json p = notion.page(page);
      p["properties"]["Queue Rank"] = number_prop(value.first);
      p["properties"]["Projected Completion"] = date_prop(value.second);
      notion.add_page(kTasks, p);
    }
  }
  std::map<std::string, std::map<std::string, std::pair<int, std::string>>> expected;
  size_t changes = 0;
  for (int u = 0; u < 9; ++u) {
    expected[user_id(u)] = expected_queue(user_id(u));
    changes += expected[user_id(u)].size() - (u < 2 ? expected[user_id(u)].size() / 2 : 0);
  }
  start_daemon("live");
  // The objective changes, and each person's task is edited meanwhile
  // (automations route them straight to their recomputes): more than one
  // recompute per person, never two at once.
  for (int e = 0; e < 3; ++e) {
    ASSERT_EQ(deliver_signed(objective_event("evt-live-" + std::to_string(e))).status / 100, 2);
  }
  for (int round = 0; round < 2; ++round) {
    for (int u = 0; u < 9; ++u) ASSERT_EQ(deliver_automation(u + 12 * round, user_id(u)) / 100, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // let a run start: the point is overlap
  }
  std::vector<json> all = settle(18, 90);
  for (const auto& [user, runs] : recomputes_by_person(all)) {
    EXPECT_GE(runs.size(), 2u) << user;
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const auto& run : runs) spans.push_back(ran(run));
    std::sort(spans.begin(), spans.end());
    for (size_t k = 1; k < spans.size(); ++k) {
      EXPECT_GE(spans[k].first, spans[k - 1].second) << "two recomputes of " << user << " at once";
    }
  }
  // Exactly the changed values were written, each once.
  EXPECT_EQ(patches(), changes);
  std::set<std::string> written;
  for (const auto& req : notion.requests()) {
    if (req.method != "PATCH") continue;
    EXPECT_TRUE(written.insert(req.path).second) << "written twice: " << req.path;
  }
  for (const auto& [user, queue] : expected) {
    for (const auto& [page, value] : queue) {
      json p = notion.page(page);
      EXPECT_EQ(p["properties"]["Queue Rank"]["number"], value.first) << page;
      EXPECT_EQ(p["properties"]["Projected Completion"]["date"]["start"], value.second) << page;
    }
  }
  for (int u = 9; u < 12; ++u) {
    for (int i = u; i < 250; i += 12) {
      EXPECT_TRUE(notion.page(task_id(i))["properties"]["Queue Rank"]["number"].is_null())
          << "not on the allow-list";
    }
  }
  for (int64_t w : {1, 2, 5}) EXPECT_LE(notion.max_in_window(w * 1000), kBurst + kRate * w) << w;
}

TEST_F(NotionRollupE2e, ABurstOfChangesMakesAtMostTwoRecomputesPerPerson) {
  seed_objective(60);
  start_daemon("dry_run");
  // Twenty changes to the objective within a second or two: one fan-out
  // (debounced), so one recompute per person, two at most.
  for (int e = 0; e < 20; ++e) {
    ASSERT_EQ(deliver_signed(objective_event("evt-burst-" + std::to_string(e))).status / 100, 2);
  }
  std::vector<json> all = settle(9);
  auto people = recomputes_by_person(all);
  EXPECT_EQ(people.size(), 9u);
  for (const auto& [user, runs] : people) {
    EXPECT_GE(runs.size(), 1u) << user;
    EXPECT_LE(runs.size(), 2u) << user;
  }
  size_t fan_outs = 0;
  for (const auto& i : all) fan_outs += i["input"].contains("objective") ? 1 : 0;
  EXPECT_LE(fan_outs, 2u) << "the objective's changes are debounced";

  // Twenty edits of one person's task at once, while Notion answers
  // slowly: the first recompute runs, the rest fold into one follow-up.
  size_t before = people[user_id(0)].size();
  notion.set_latency_ms(500);
  std::vector<std::thread> senders;
  std::atomic<int> accepted{0};
  for (int e = 0; e < 20; ++e) {
    senders.emplace_back([&] { accepted += deliver_automation(0, user_id(0)) / 100 == 2 ? 1 : 0; });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(accepted, 20);
  all = settle(before + 1);
  size_t runs = recomputes_by_person(all)[user_id(0)].size() - before;
  EXPECT_GE(runs, 1u);
  EXPECT_LE(runs, 2u) << "a burst for a busy person folds into one follow-up";
}

TEST_F(NotionRollupE2e, AKillMidFanOutLosesNoPersonAndRepeatsNoWriteWithAnotherValue) {
  seed_objective();
  notion.set_latency_ms(40);
  start_daemon("live");
  ASSERT_EQ(deliver_signed(objective_event("evt-kill")).status, 202);
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       patches() < 30 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(patches(), 30u);
  daemon->kill();
  daemon.reset();
  start_daemon("live");
  std::vector<json> all = settle(9, 120);
  EXPECT_EQ(recomputes_by_person(all).size(), 9u);
  std::map<std::string, json> values;  // page → the properties written
  for (const auto& req : notion.requests()) {
    if (req.method != "PATCH") continue;
    auto [it, fresh] = values.emplace(req.path, req.body["properties"]);
    if (!fresh) {
      EXPECT_EQ(it->second, req.body["properties"]) << "a repeated write changed " << req.path;
    }
  }
  for (int u = 0; u < 9; ++u) {
    for (const auto& [page, value] : expected_queue(user_id(u))) {
      json p = notion.page(page);
      EXPECT_EQ(p["properties"]["Queue Rank"]["number"], value.first) << page;
      EXPECT_EQ(p["properties"]["Projected Completion"]["date"]["start"], value.second) << page;
    }
  }
}

}  // namespace notion_rollup_e2e
}  // namespace sundial::testing
