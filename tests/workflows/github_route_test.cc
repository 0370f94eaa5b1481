// What the Notion ↔ GitHub sync's deliveries ask of the engine
// (workflows/notion/github_route.h, notion_route.h): GitHub events of the
// synced repository with Sundial's page marker start that page's sync;
// pings, other events and actions, other repositories, Sundial's own
// changes and bodies without a (valid) marker are acknowledged and
// ignored; a Notion page event of the sync's database starts its sync,
// beside the fan-out when both want it.
#include "workflows/notion/github_route.h"

#include <gtest/gtest.h>

#include "workflows/notion/notion_route.h"

namespace sundial::webhooks {
namespace github_route_test {

using nlohmann::json;

const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kPage = "2e3f9ed4-a212-4b3a-946a-f14187277a54";
const std::string kMarker = "<!-- sundial:notion-page:2e3f9ed4a2124b3a946af14187277a54 -->";

NotionGitHubSyncSettings sync() {
  NotionGitHubSyncSettings s;
  s.tasks_db_id = kTasks;
  s.repo = "acme/app";
  s.github_login = "sundial-bot";
  return s;
}

json issue_event(const std::string& action, const std::string& body = "Text\n\n" + kMarker,
                 const std::string& repo = "acme/app", const std::string& sender = "octocat") {
  return {{"action", action},
          {"issue", {{"number", 7}, {"body", body}}},
          {"repository", {{"full_name", repo}}},
          {"sender", {{"login", sender}}}};
}

std::string ignored(const Result<WebhookActions>& actions) {
  if (!actions || actions->size() != 1) return "<not one action>";
  const auto* i = std::get_if<IgnoreAction>(&actions->front());
  return i ? i->reason : "<not ignored>";
}

TEST(GitHubRoute, AClosedIssueWithSundialsMarkerStartsItsPagesSync) {
  auto actions = map_github_delivery(sync(), "issues", issue_event("closed"));
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->size(), 1u);
  const auto& start = std::get<StartAction>(actions->front());
  EXPECT_EQ(start.workflow_type, "notion_github_sync");
  EXPECT_EQ(start.input["page"], "2e3f9ed4a2124b3a946af14187277a54");
  EXPECT_EQ(start.input["source"], "github");
  EXPECT_EQ(start.input["event"], "issues.closed");
  json pull = {{"action", "closed"},
               {"pull_request", {{"number", 8}, {"merged", true}, {"body", "Closes #7\n\n" + kMarker}}},
               {"repository", {{"full_name", "ACME/App"}}},
               {"sender", {{"login", "octocat"}}}};
  auto merged = map_github_delivery(sync(), "pull_request", pull);
  ASSERT_TRUE(merged);
  EXPECT_EQ(std::get<StartAction>(merged->front()).input["event"], "pull_request.closed");
}

TEST(GitHubRoute, WhatTheSyncDoesNotReadIsAcknowledgedWithTheReason) {
  EXPECT_NE(ignored(map_github_delivery(sync(), "ping", {{"zen", "hi"}})).find("ping"), std::string::npos);
  EXPECT_NE(ignored(map_github_delivery(sync(), "push", issue_event("closed"))).find("push"),
            std::string::npos);
  EXPECT_NE(ignored(map_github_delivery(sync(), "issues", issue_event("labeled"))).find("issues.labeled"),
            std::string::npos);
  EXPECT_NE(ignored(map_github_delivery(sync(), "issues", issue_event("closed", "no marker"))).find("marker"),
            std::string::npos);
  EXPECT_NE(ignored(map_github_delivery(sync(), "issues", issue_event("closed", kMarker, "evil/app")))
                .find("evil/app"),
            std::string::npos);
  EXPECT_NE(ignored(map_github_delivery(sync(), "issues",
                                        issue_event("closed", kMarker, "acme/app", "Sundial-Bot")))
                .find("a change Sundial made"),
            std::string::npos);
  // A marker whose id is no Notion id is no marker.
  for (std::string bad :
       {std::string("<!-- sundial:notion-page:../../x -->"), std::string("<!-- sundial:notion-page: -->"),
        "<!-- sundial:notion-page:" + std::string(100, 'a') + " -->"}) {
    EXPECT_NE(ignored(map_github_delivery(sync(), "issues", issue_event("closed", bad))).find("marker"),
              std::string::npos)
        << bad;
  }
  for (json odd : {json(nullptr), json::array(), json{{"issue", 5}}, json{{"repository", "acme/app"}}}) {
    auto actions = map_github_delivery(sync(), "issues", odd);
    ASSERT_TRUE(actions) << odd.dump();
    EXPECT_TRUE(std::holds_alternative<IgnoreAction>(actions->front())) << odd.dump();
  }
}

TEST(GitHubRoute, ANotionEventOfTheSyncsDatabaseStartsItsSyncBesideTheFanOut) {
  json event = {{"id", "evt-1"},
                {"type", "page.properties_updated"},
                {"entity", {{"id", kPage}, {"type", "page"}}},
                {"data", {{"parent", {{"id", kTasks}, {"type", "database"}}}}}};
  auto alone = map_sync_notion_delivery(sync(), event);
  ASSERT_TRUE(alone);
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_EQ(std::get<StartAction>(alone->front()).input["source"], "webhook");
  // The route: the fan-out (same Tasks database) and the sync both start.
  NotionRollupSettings rollup;
  rollup.objectives_db_id = "0c1f7cb2-8090-4f18-924e-d92965055e32";
  rollup.tasks_db_id = kTasks;
  rollup.allow = {"*"};
  WebhookRoute route = notion_route(rollup, sync(), NotionDependenciesSettings{}, std::string("s"), std::nullopt);
  http::HttpRequest request;
  auto both = route.map(event, request);
  ASSERT_TRUE(both) << both.error().message;
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ(std::get<StartAction>((*both)[0]).workflow_type, "notion_rollup");
  EXPECT_EQ(std::get<StartAction>((*both)[1]).workflow_type, "notion_github_sync");
  // Another database: neither, with both reasons.
  event["data"]["parent"]["id"] = "9f9f9f9f-9101-4a29-835f-e03076166f43";
  auto neither = route.map(event, request);
  ASSERT_TRUE(neither);
  ASSERT_EQ(neither->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<IgnoreAction>(neither->front()));
  // The sync off: only the fan-out's mapping.
  EXPECT_TRUE(map_sync_notion_delivery(NotionGitHubSyncSettings{}, event)->empty());
}

}  // namespace github_route_test
}  // namespace sundial::webhooks
