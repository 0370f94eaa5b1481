// End to end: the Notion ↔ GitHub sync (docs/recipes/notion-github-sync.md)
// — the real sundiald with its shipped notion_github_sync script, POST
// /webhooks/notion and /webhooks/github, the poller, and the fakes of
// Notion and GitHub (tests/support) behind [notion] and [github] base_url,
// at test-only rates. A new page opens one labelled, assigned issue linked
// both ways; Ready for Review opens a draft pull request from the page's
// branch (or says why not); Done closes the issue and merges when the
// checks pass, and records why not when they fail; the same change by
// webhook and by the poller is acted on once; GitHub's closing and merging
// come back to Notion without echoes; an archived page closes its issue
// and soft-deletes its entry; a status changed on both sides is reported
// and overwrites neither; kill -9 during 200 page changes opens no second
// issue or pull request; hostile deliveries get 4xx and change nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_github.h"
#include "tests/support/fake_notion.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace notion_github_sync_e2e {

using nlohmann::json;

const std::string kToken = "sync-e2e-admin";
const std::string kNotionSecret = "secret_sync_e2e_verification";
const std::string kGitHubSecret = "github-e2e-webhook-secret";
const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kRepo = "acme/app";
const std::string kAda = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kGrace = "aaaaaaaa-0000-4000-8000-000000000002";

// Pages differ in their first 8 hex digits: the branch name takes them.
std::string page_id(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "%08d-0000-4000-8000-cccccccccccc", i);
  return text;
}
std::string canonical(std::string id) {
  std::erase(id, '-');
  return id;
}
std::string branch_of(int i) { return "notion/" + canonical(page_id(i)).substr(0, 8); }
std::string marker_of(int i) { return "<!-- sundial:notion-page:" + canonical(page_id(i)) + " -->"; }
json url_prop() { return {{"type", "url"}, {"url", nullptr}}; }

class NotionGitHubSyncE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    notion.add_database(kTasks, "ds-tasks");
    github.add_branch(kRepo, "main", fake_sha("main"));
  }
  void TearDown() override {
    if (!daemon) return;
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }

  // Page i: title "Task i", a status, an assignee, a priority.
  void put_page(int i, const std::string& status, const std::string& priority = "High",
                const std::vector<std::string>& people = {kAda}, bool in_trash = false) {
    json page = notion_page(page_id(i), kTasks,
                            {{"Name", title_prop("Task " + std::to_string(i))},
                             {"Status", status_prop(status)},
                             {"Assignee", people_prop(people)},
                             {"Priority", select_prop(priority)},
                             {"GitHub Issue", url_prop()},
                             {"GitHub PR", url_prop()}});
    json old = notion.page(page_id(i));
    if (old.is_object()) {  // keep what the sync wrote back
      page["properties"]["GitHub Issue"] = old["properties"]["GitHub Issue"];
      page["properties"]["GitHub PR"] = old["properties"]["GitHub PR"];
    }
    page["in_trash"] = in_trash;
    page["last_edited_time"] = now_iso();
    notion.add_page(kTasks, page);
  }
  static std::string now_iso() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(text) + ".000Z";
  }

  void start_daemon(const std::string& extra = "") {
    std::string config = dir.sub("sundiald.toml");
    std::ofstream out(config);
    out << "[notion]\nbase_url = \"" << notion.base_url() << "\"\nrate_per_second = 200\nburst = 50\n\n"
        << "[github]\nbase_url = \"" << github.base_url() << "\"\nrate_per_second = 200\nburst = 50\n\n"
        << "[notion_github_sync]\ntasks_db_id = \"" << kTasks << "\"\nrepo = \"" << kRepo << "\"\n"
        << "github_login = \"sundial-bot\"\n"
        << "priority_labels = [\"High=priority: high\", \"Low=priority: low\"]\n"
        << "assignee_logins = [\"" << kAda << "=ada\", \"" << kGrace << "=grace\"]\n"
        << "poll_every = \"0s\"\n"
        << extra;
    out.close();
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--config", config},
        std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken, "NOTION_TOKEN=secret_test",
                                 "GITHUB_TOKEN=ghp_test", "NOTION_WEBHOOK_SECRET=" + kNotionSecret,
                                 "GITHUB_WEBHOOK_SECRET=" + kGitHubSecret});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }

  json call(const std::string& method, const std::string& target, const std::string& body = "",
            int* status = nullptr) {
    HttpConnection c(daemon->port());
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + kToken}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    auto reply = c.request(method, target, body, headers);
    if (status != nullptr) *status = reply ? reply->status : 0;
    if (!reply) return nullptr;
    auto j = json::parse(reply->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }
  // A signed integration webhook event for page i.
  int notion_event(int i) {
    json event = {{"id", "evt-" + std::to_string(++events)},
                  {"timestamp", now_iso()},
                  {"type", "page.properties_updated"},
                  {"entity", {{"id", page_id(i)}, {"type", "page"}}},
                  {"data", {{"parent", {{"id", kTasks}, {"type", "database"}}}}}};
    std::string body = event.dump();
    HttpConnection c(daemon->port());
    auto reply = c.request("POST", "/webhooks/notion", body,
                           {{"Content-Type", "application/json"},
                            {"X-Notion-Signature", "sha256=" + hmac_sha256_hex(kNotionSecret, body)}});
    return reply ? reply->status : 0;
  }
  HttpReply github_event(const std::string& event, const json& payload, const std::string& delivery = "") {
    std::string body = payload.dump();
    HttpConnection c(daemon->port());
    auto reply =
        c.request("POST", "/webhooks/github", body,
                  {{"Content-Type", "application/json"},
                   {"X-GitHub-Event", event},
                   {"X-GitHub-Delivery", delivery.empty() ? "d-" + std::to_string(++events) : delivery},
                   {"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(kGitHubSecret, body)}});
    return reply ? *reply : HttpReply{};
  }
  json issue_event(const std::string& action, int64_t number, const std::string& sender = "octocat") {
    return {{"action", action},
            {"issue", github.issue(kRepo, number)},
            {"repository", {{"full_name", kRepo}}},
            {"sender", {{"login", sender}}}};
  }
  int start_poll() {
    int status = 0;
    call("POST", "/api/v1/workflows/notion_github_sync/instances", R"({"input":{"poll":true}})", &status);
    return status;
  }

  // Polls until no instance is queued, running or waiting.
  void settle(int timeout_s = 60) {
    json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      last = call("GET", "/api/v1/stats");
      const json& n = last["instances"];
      if (n.is_object() && n.value("queued", -1) == 0 && n.value("running", -1) == 0 &&
          n.value("waiting", -1) == 0) {
        return;
      }
    }
    ADD_FAILURE() << "the sync never settled: " << last.dump() << "\n" << daemon->log();
  }
  // The sync instances, described, oldest first (by creation, then end).
  std::vector<json> runs() {
    std::vector<json> out;
    json page = call("GET", "/api/v1/instances?type=notion_github_sync&limit=1000");
    for (const auto& i : page["instances"]) {
      out.push_back(call("GET", "/api/v1/instances/" + i["id"].get<std::string>()));
    }
    auto when = [](const json& run) {
      return std::make_pair(run.value("created_at", int64_t{0}), run.value("finished_at", int64_t{0}));
    };
    std::stable_sort(out.begin(), out.end(), [&](const json& a, const json& b) { return when(a) < when(b); });
    return out;
  }
  json last_page_run(int i) {
    json found;
    for (const json& run : runs()) {
      // Notion takes a page id with or without dashes; GitHub's marker has none.
      if (canonical(run["input"].value("page", "")) == canonical(page_id(i))) found = run;
    }
    return found;
  }
  json entry(int i) { return call("GET", "/api/v1/kv/notion-github/page%2F" + canonical(page_id(i))); }
  // Every issue of page i (by its marker).
  std::vector<json> issues_of(int i) {
    std::vector<json> out;
    for (const json& issue : github.issues(kRepo)) {
      if (issue.value("body", "").find(marker_of(i)) != std::string::npos) out.push_back(issue);
    }
    return out;
  }
  size_t pulls_from(int i) {
    size_t n = 0;
    for (int64_t number = 1; number < 1000; ++number) {
      json pull = github.pull(kRepo, number);
      if (pull.is_object() && pull["head"]["ref"] == branch_of(i)) ++n;
    }
    return n;
  }
  std::string notion_status(int i) {
    return notion.page(page_id(i))["properties"]["Status"]["status"]["name"].get<std::string>();
  }
  // A change made on GitHub by someone else: a request straight to the fake.
  void on_github(const std::string& method, const std::string& path, const json& body) {
    HttpConnection c(github.port());
    auto reply = c.request(method, path, body.dump(),
                           {{"Authorization", "Bearer ghp_test"},
                            {"User-Agent", "someone"},
                            {"X-GitHub-Api-Version", "2022-11-28"},
                            {"Content-Type", "application/json"}});
    ASSERT_TRUE(reply && reply->status < 300) << method << " " << path << ": " << (reply ? reply->body : "");
  }
  // Page i synced to an open issue (and, with a branch, Ready for Review
  // with a draft pull request).
  int64_t synced(int i, bool with_pull = false) {
    put_page(i, "In progress");
    EXPECT_EQ(notion_event(i), 202);
    settle();
    auto issues = issues_of(i);
    EXPECT_EQ(issues.size(), 1u);
    if (with_pull) {
      github.add_branch(kRepo, branch_of(i), fake_sha("page-" + std::to_string(i)));
      put_page(i, "Ready for Review");
      EXPECT_EQ(notion_event(i), 202);
      settle();
      EXPECT_EQ(pulls_from(i), 1u);
    }
    return issues.empty() ? 0 : issues[0]["number"].get<int64_t>();
  }

  TempDir dir;
  FakeNotion notion;
  FakeGitHub github;
  std::unique_ptr<DaemonProcess> daemon;
  int events = 0;
};

TEST_F(NotionGitHubSyncE2e, ANewPageOpensOneLabelledIssueLinkedBothWays) {
  start_daemon();
  put_page(1, "Backlog", "High", {kAda, kGrace});
  ASSERT_EQ(notion_event(1), 202);
  settle();
  auto issues = issues_of(1);
  ASSERT_EQ(issues.size(), 1u) << json(github.issues(kRepo)).dump();
  const json& issue = issues[0];
  EXPECT_EQ(issue["title"], "Task 1");
  std::set<std::string> labels;
  for (const auto& l : issue["labels"]) labels.insert(l["name"]);
  EXPECT_EQ(labels, (std::set<std::string>{"notion", "priority: high"}));
  std::set<std::string> assignees;
  for (const auto& a : issue["assignees"]) assignees.insert(a["login"]);
  EXPECT_EQ(assignees, (std::set<std::string>{"ada", "grace"}));
  EXPECT_NE(issue["body"].get<std::string>().find("https://www.notion.so/" + canonical(page_id(1))),
            std::string::npos);
  // The cross-link back in Notion, and the map entry.
  EXPECT_EQ(notion.page(page_id(1))["properties"]["GitHub Issue"]["url"], issue["html_url"]);
  json mapped = entry(1);
  EXPECT_EQ(mapped["value"]["issue"], issue["number"]) << mapped.dump();
  EXPECT_EQ(mapped["version"], 1);
  // The run recorded the change with prior values (none: first seen).
  json run = last_page_run(1);
  EXPECT_EQ(run["status"], "completed") << run.dump();
  EXPECT_EQ(run["result"]["changed"]["status"]["new"], "Backlog") << run.dump();
  EXPECT_TRUE(run["result"]["changed"]["status"]["old"].is_null());
  json history = call("GET", "/api/v1/instances/" + run["id"].get<std::string>() + "/history");
  bool recorded = false;
  for (const auto& e : history["entries"]) {
    if (e["event"] == "step_completed" && e["step"] == "change") {
      const json& event = e["result"];
      recorded = event["source"] == "webhook" && event["page_id"] == page_id(1) &&
                 event["detected_at"].is_number_integer() && event["changed"]["status"]["new"] == "Backlog";
    }
  }
  EXPECT_TRUE(recorded) << history.dump();

  // The echo of the link Sundial wrote, and a redelivery: nothing more.
  size_t requests = github.requests().size();
  ASSERT_EQ(notion_event(1), 202);
  settle();
  EXPECT_EQ(issues_of(1).size(), 1u);
  EXPECT_EQ(last_page_run(1)["result"]["note"], "no change since the last sync");
  EXPECT_EQ(github.count("POST") + github.count("PATCH"), 1u) << "only the issue's creation wrote";
  EXPECT_GE(github.requests().size(), requests);
}

TEST_F(NotionGitHubSyncE2e, ReadyForReviewOpensADraftPullRequestFromThePagesBranchOrSaysWhyNot) {
  start_daemon();
  int64_t issue = synced(2);
  put_page(2, "Ready for Review");
  ASSERT_EQ(notion_event(2), 202);
  settle();
  EXPECT_EQ(pulls_from(2), 0u);
  auto comments = github.comments(kRepo, issue);
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_NE(comments[0]["body"].get<std::string>().find("no branch " + branch_of(2)), std::string::npos);
  EXPECT_NE(entry(2)["value"]["pull_blocked"].get<std::string>().find(branch_of(2)), std::string::npos);

  // The branch is pushed; the next change of the page opens the pull request.
  github.add_branch(kRepo, branch_of(2), fake_sha("two"));
  ASSERT_EQ(notion_event(2), 202);
  settle();
  ASSERT_EQ(pulls_from(2), 1u);
  json mapped = entry(2)["value"];
  json pull = github.pull(kRepo, mapped["pull"].get<int64_t>());
  EXPECT_EQ(pull["draft"], true);
  EXPECT_EQ(pull["base"]["ref"], "main");
  EXPECT_NE(pull["body"].get<std::string>().find("Closes #" + std::to_string(issue)), std::string::npos);
  EXPECT_TRUE(mapped["pull_blocked"].is_null());
  EXPECT_EQ(notion.page(page_id(2))["properties"]["GitHub PR"]["url"], pull["html_url"]);
  EXPECT_EQ(github.comments(kRepo, issue).size(), 1u) << "the comment is not repeated";
}

TEST_F(NotionGitHubSyncE2e, DoneClosesTheIssueAndMergesWhenChecksPassAndRecordsWhyNotWhenTheyFail) {
  start_daemon();
  int64_t passing = synced(3, true);
  int64_t failing = synced(4, true);
  int64_t failing_pull = entry(4)["value"]["pull"].get<int64_t>();
  github.set_check_run(kRepo, fake_sha("page-3"), "ci/test", "completed", "success");
  github.set_check_run(kRepo, fake_sha("page-4"), "ci/test", "completed", "failure");
  put_page(3, "Done");
  put_page(4, "Done");
  ASSERT_EQ(notion_event(3), 202);
  ASSERT_EQ(notion_event(4), 202);
  settle();
  EXPECT_EQ(github.issue(kRepo, passing)["state"], "closed");
  EXPECT_EQ(github.issue(kRepo, passing)["state_reason"], "completed");
  json merged = github.pull(kRepo, entry(3)["value"]["pull"].get<int64_t>());
  EXPECT_EQ(merged["merged"], true) << merged.dump();
  EXPECT_EQ(github.issue(kRepo, failing)["state"], "closed");
  EXPECT_EQ(github.pull(kRepo, failing_pull)["merged"], false);
  json why = entry(4)["value"]["merge"];
  EXPECT_EQ(why["merged"], false) << why.dump();
  EXPECT_NE(why["message"].get<std::string>().find("ci/test"), std::string::npos) << why.dump();
  // GitHub's merge echo (pull_request.closed, from Sundial's token) is ignored.
  auto echo =
      github_event("pull_request", {{"action", "closed"},
                                    {"pull_request", github.pull(kRepo, merged["number"].get<int64_t>())},
                                    {"repository", {{"full_name", kRepo}}},
                                    {"sender", {{"login", "sundial-bot"}}}});
  EXPECT_EQ(echo.status, 202) << echo.body;
  EXPECT_NE(echo.body.find("a change Sundial made"), std::string::npos) << echo.body;
}

TEST_F(NotionGitHubSyncE2e, TheSameChangeByWebhookAndByThePollerIsActedOnOnce) {
  start_daemon();
  int64_t issue = synced(5);
  put_page(5, "In progress", "Low");
  ASSERT_EQ(notion_event(5), 202);
  settle();
  std::set<std::string> labels;
  json relabelled = github.issue(kRepo, issue);
  for (const auto& l : relabelled["labels"]) labels.insert(l["name"]);
  EXPECT_EQ(labels, (std::set<std::string>{"notion", "priority: low"}));
  size_t patches = github.count("PATCH");
  EXPECT_EQ(patches, 1u);
  // A page edited with no webhook: only the poller sees it.
  put_page(6, "Backlog");
  ASSERT_EQ(start_poll(), 201);
  settle();
  EXPECT_EQ(github.count("PATCH"), patches) << "the poller found page 5 unchanged";
  EXPECT_EQ(issues_of(6).size(), 1u) << "the poller found page 6";
  EXPECT_EQ(last_page_run(5)["input"]["source"], "poll");
  EXPECT_EQ(last_page_run(5)["result"]["note"], "no change since the last sync");
  // The cursor moved; a second poll repeats the last minute and acts on nothing.
  EXPECT_TRUE(call("GET", "/api/v1/kv/notion-github/cursor%2Fpoll")["value"]["last_edited_time"].is_string());
  size_t writes = github.count("POST") + github.count("PATCH");
  ASSERT_EQ(start_poll(), 201);
  settle();
  EXPECT_EQ(github.count("POST") + github.count("PATCH"), writes);
}

TEST_F(NotionGitHubSyncE2e, GitHubClosingTheIssueOrMergingThePullRequestSetsTheNotionStatus) {
  start_daemon();
  int64_t issue = synced(7);
  // Someone closes the issue on GitHub.
  on_github("PATCH", "/repos/acme/app/issues/" + std::to_string(issue), {{"state", "closed"}});
  auto delivered = github_event("issues", issue_event("closed", issue), "closed-7");
  ASSERT_EQ(delivered.status, 202) << delivered.body;
  settle();
  EXPECT_EQ(notion_status(7), "Done");
  // A redelivery of the same delivery id starts nothing.
  size_t before = runs().size();
  auto again = github_event("issues", issue_event("closed", issue), "closed-7");
  EXPECT_LT(again.status, 300) << again.body;
  settle();
  EXPECT_EQ(runs().size(), before);
  // The Notion echo of the status Sundial set changes nothing on GitHub.
  size_t writes = github.count("POST") + github.count("PATCH");
  ASSERT_EQ(notion_event(7), 202);
  settle();
  EXPECT_EQ(github.count("POST") + github.count("PATCH"), writes);

  // A merged pull request: Shipped.
  synced(8, true);
  int64_t pull = entry(8)["value"]["pull"].get<int64_t>();
  on_github("POST", "/graphql",
            {{"query",
              "mutation($pullRequestId: ID!) { markPullRequestReadyForReview(input: {pullRequestId: "
              "$pullRequestId}) { pullRequest { id isDraft } } }"},
             {"variables", {{"pullRequestId", github.pull(kRepo, pull)["node_id"]}}}});
  on_github("PUT", "/repos/acme/app/pulls/" + std::to_string(pull) + "/merge", json::object());
  auto merged = github_event("pull_request", {{"action", "closed"},
                                              {"pull_request", github.pull(kRepo, pull)},
                                              {"repository", {{"full_name", kRepo}}},
                                              {"sender", {{"login", "octocat"}}}});
  ASSERT_EQ(merged.status, 202) << merged.body;
  settle();
  EXPECT_EQ(notion_status(8), "Shipped");
}

TEST_F(NotionGitHubSyncE2e, AnArchivedPageClosesItsIssueAndSoftDeletesItsEntry) {
  start_daemon();
  int64_t issue = synced(9);
  put_page(9, "In progress", "High", {kAda}, /*in_trash=*/true);
  ASSERT_EQ(notion_event(9), 202);
  settle();
  EXPECT_EQ(github.issue(kRepo, issue)["state"], "closed");
  EXPECT_EQ(github.issue(kRepo, issue)["state_reason"], "not_planned");
  json gone = entry(9);
  EXPECT_EQ(gone["deleted"], true) << gone.dump();
  EXPECT_EQ(gone["value"]["issue"], issue) << "the tombstone keeps the value";
  json listed = call("GET", "/api/v1/kv/notion-github?prefix=page%2F");
  for (const auto& e : listed["entries"]) EXPECT_NE(e["key"], "page/" + canonical(page_id(9)));
  json deleted = call("GET", "/api/v1/kv/notion-github?deleted=only");
  ASSERT_EQ(deleted["entries"].size(), 1u) << deleted.dump();
}

TEST_F(NotionGitHubSyncE2e, AStatusChangedOnBothSidesIsAConflictReportedAndNotOverwritten) {
  start_daemon();
  int64_t issue = synced(10);
  on_github("PATCH", "/repos/acme/app/issues/" + std::to_string(issue), {{"state", "closed"}});
  put_page(10, "Blocked");
  auto delivered = github_event("issues", issue_event("closed", issue));
  ASSERT_EQ(delivered.status, 202) << delivered.body;
  settle();
  EXPECT_EQ(notion_status(10), "Blocked") << "Notion's status is not overwritten";
  EXPECT_EQ(github.issue(kRepo, issue)["state"], "closed") << "nor GitHub's";
  json run = last_page_run(10);
  EXPECT_EQ(run["result"]["conflict"]["field"], "status") << run.dump();
  EXPECT_EQ(run["result"]["conflict"]["notion"], "Blocked");
  EXPECT_EQ(entry(10)["value"]["conflict"]["field"], "status");
  // Reported once: the next change of the page syncs again.
  ASSERT_EQ(notion_event(10), 202);
  settle();
  EXPECT_EQ(last_page_run(10)["result"]["note"], "no change since the last sync");
}

TEST_F(NotionGitHubSyncE2e, AKill9DuringTwoHundredPageChangesOpensNoSecondIssueOrPullRequest) {
  constexpr int kPages = 40;
  constexpr int kChanges = 200;
  github.set_latency_ms(5);
  for (int i = 100; i < 100 + kPages; ++i) {
    github.add_branch(kRepo, branch_of(i), fake_sha("k" + std::to_string(i)));
    put_page(i, "Backlog");
  }
  start_daemon();
  std::mt19937 rng(20261202);
  const char* statuses[] = {"Backlog", "In progress", "Ready for Review", "In progress"};
  int kills = 0;
  for (int n = 0; n < kChanges; ++n) {
    int i = 100 + static_cast<int>(rng() % kPages);
    put_page(i, statuses[rng() % 4], rng() % 2 ? "High" : "Low");
    notion_event(i);  // a delivery cut off by a kill is not acknowledged: the poll below covers it
    if (n % 50 == 25) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
      daemon->kill();
      ++kills;
      start_daemon();
    }
  }
  settle(120);
  // Whatever a kill cut off, one poll of the last hour catches up.
  ASSERT_EQ(start_poll(), 201);
  settle(120);
  EXPECT_EQ(kills, 4);
  for (int i = 100; i < 100 + kPages; ++i) {
    EXPECT_EQ(issues_of(i).size(), 1u) << "page " << i;
    EXPECT_LE(pulls_from(i), 1u) << "page " << i;
    json page = notion.page(page_id(i));
    if (page["properties"]["Status"]["status"]["name"] == "Ready for Review") {
      EXPECT_EQ(pulls_from(i), 1u) << "page " << i;
    }
  }
  EXPECT_EQ(github.issues_created(), static_cast<size_t>(kPages));
  for (const json& run : runs()) EXPECT_EQ(run["status"], "completed") << run.dump();
}

TEST_F(NotionGitHubSyncE2e, HostileGitHubDeliveriesAre4xxAndChangeNothing) {
  start_daemon();
  auto post = [&](const std::string& body, std::map<std::string, std::string> headers) {
    headers.emplace("Content-Type", "application/json");
    HttpConnection c(daemon->port());
    auto reply = c.request("POST", "/webhooks/github", body, headers);
    return reply ? reply->status : 0;
  };
  const std::string body =
      R"({"action":"closed","issue":{"body":"x"},"repository":{"full_name":"acme/app"}})";
  EXPECT_EQ(post(body, {{"X-GitHub-Event", "issues"}}), 401);
  EXPECT_EQ(post(body, {{"X-GitHub-Event", "issues"}, {"X-Hub-Signature-256", "sha256=00"}}), 401);
  auto signed_post = [&](const std::string& payload, const std::string& event = "issues") {
    return post(payload, {{"X-GitHub-Event", event},
                          {"X-GitHub-Delivery", "h-" + std::to_string(++events)},
                          {"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(kGitHubSecret, payload)}});
  };
  EXPECT_EQ(signed_post("not json"), 400);
  EXPECT_EQ(signed_post(std::string(200, '[') + std::string(200, ']')), 400);
  EXPECT_EQ(signed_post("{\"issue\":{\"body\":\"\xff\xfe\"}}"), 400);
  EXPECT_EQ(signed_post("{\"x\":\"" + std::string(2 << 20, 'a') + "\"}"), 413);
  // Well signed but not the sync's: acknowledged, ignored.
  EXPECT_EQ(signed_post(R"({"zen":"hi"})", "ping"), 202);
  EXPECT_EQ(signed_post(body), 202);  // no marker
  EXPECT_EQ(signed_post(R"({"action":"closed","issue":{"body":")" + marker_of(1) +
                        R"("},"repository":{"full_name":"evil/app"}})"),
            202);
  EXPECT_EQ(signed_post(R"({"action":"closed","issue":{"body":"<!-- sundial:notion-page:../x -->"},)"
                        R"("repository":{"full_name":"acme/app"}})"),
            202);
  settle();
  EXPECT_TRUE(runs().empty());
  EXPECT_TRUE(github.requests().empty());
}

}  // namespace notion_github_sync_e2e
}  // namespace sundial::testing
