// What POST /webhooks/notion asks of the engine for each shape Notion
// sends (workflows/notion/notion_route.h): integration events and database
// automations, pages of the watched databases and of others, assignees on
// and off the allow-list, and malformed ids (400, nothing started).
#include "workflows/notion/notion_route.h"

#include <gtest/gtest.h>

namespace sundial::webhooks {
namespace notion_route_test {

using nlohmann::json;

const std::string kObjectives = "0c1f7cb2-8090-4f18-924e-d92965055e32";
const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kPage = "2e3f9ed4-a212-4b3a-946a-f14187277a54";

NotionRollupSettings settings() {
  NotionRollupSettings s;
  s.objectives_db_id = kObjectives;
  s.tasks_db_id = kTasks;
  s.tasks_data_source_id = "ds-tasks";
  s.allow = {"u-allowed", "u-also"};
  return s;
}

json event(const std::string& type, const std::string& parent, const std::string& parent_type = "database") {
  return {
      {"id", "evt-1"},
      {"type", type},
      {"timestamp", "2026-12-02T10:00:00.000Z"},
      {"entity", {{"id", kPage}, {"type", "page"}}},
      {"data", {{"parent", {{"id", parent}, {"type", parent_type}}}, {"updated_properties", {"XGe%40"}}}}};
}

json automation(const std::string& database, json properties) {
  return {{"source", {{"type", "automation"}}},
          {"data",
           {{"object", "page"},
            {"id", kPage},
            {"parent", {{"type", "database_id"}, {"database_id", database}}},
            {"properties", std::move(properties)}}}};
}

const StartAction& start_of(const WebhookAction& a) { return std::get<StartAction>(a); }

TEST(NotionRoute, AnObjectiveEventStartsItsFanOut) {
  // The id may come without dashes and in upper case.
  std::string bare = kObjectives;
  std::erase(bare, '-');
  for (const std::string& parent : {kObjectives, bare}) {
    auto actions = map_notion_delivery(settings(), event("page.properties_updated", parent));
    ASSERT_TRUE(actions) << actions.error().message;
    ASSERT_EQ(actions->size(), 1u);
    EXPECT_EQ(start_of(actions->front()).workflow_type, "notion_rollup");
    EXPECT_EQ(start_of(actions->front()).input["objective"], kPage);
  }
}

TEST(NotionRoute, ATaskEventStartsTheTaskRecompute) {
  auto by_database = map_notion_delivery(settings(), event("page.created", kTasks));
  ASSERT_TRUE(by_database);
  EXPECT_EQ(start_of(by_database->front()).input["task"], kPage);
  auto by_source =
      map_notion_delivery(settings(), event("page.properties_updated", "ds-tasks", "data_source"));
  ASSERT_TRUE(by_source);
  EXPECT_EQ(start_of(by_source->front()).input["task"], kPage);
}

TEST(NotionRoute, WhatNoWorkflowWantsIsIgnored) {
  NotionRollupSettings unconfigured;
  for (const auto& [s, body] : std::vector<std::pair<NotionRollupSettings, json>>{
           {unconfigured, event("page.properties_updated", kObjectives)},
           {settings(), event("page.properties_updated", "3f4a0fe5-b323-4c4b-a57b-025298388b65")},
           {settings(), event("page.content_updated", kObjectives)},
           {settings(), event("comment.created", kObjectives)},
           {settings(), event("page.deleted", kObjectives)},
           {settings(), json{{"hello", "world"}}},
           {settings(), json::array()},
       }) {
    auto actions = map_notion_delivery(s, body);
    ASSERT_TRUE(actions) << body.dump();
    ASSERT_EQ(actions->size(), 1u);
    EXPECT_TRUE(std::holds_alternative<IgnoreAction>(actions->front())) << body.dump();
  }
}

TEST(NotionRoute, AnAutomationOnATaskRoutesItsAllowedAssignees) {
  json people = {
      {"Assignee",
       {{"type", "people"}, {"people", {{{"id", "u-allowed"}}, {{"id", "u-other"}}, {{"id", "u-also"}}}}}}};
  auto actions = map_notion_delivery(settings(), automation(kTasks, people));
  ASSERT_TRUE(actions);
  ASSERT_EQ(actions->size(), 2u);
  EXPECT_EQ(start_of((*actions)[0]).input, (json{{"assignee", "u-allowed"}}));
  EXPECT_EQ(start_of((*actions)[1]).input, (json{{"assignee", "u-also"}}));

  json nobody = {{"Assignee", {{"type", "people"}, {"people", json::array()}}}};
  auto ignored = map_notion_delivery(settings(), automation(kTasks, nobody));
  ASSERT_TRUE(ignored);
  EXPECT_TRUE(std::holds_alternative<IgnoreAction>(ignored->front()));

  // Without the people property the workflow reads the page itself.
  auto unknown = map_notion_delivery(settings(), automation(kTasks, json::object()));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(start_of(unknown->front()).input["task"], kPage);

  auto objective = map_notion_delivery(settings(), automation(kObjectives, json::object()));
  ASSERT_TRUE(objective);
  EXPECT_EQ(start_of(objective->front()).input["objective"], kPage);
}

TEST(NotionRoute, AMalformedIdIsABadRequest) {
  json bad = event("page.created", kTasks);
  bad["entity"]["id"] = "../../admin";
  EXPECT_FALSE(map_notion_delivery(settings(), bad));
  bad["entity"]["id"] = 7;
  EXPECT_FALSE(map_notion_delivery(settings(), bad));
  json people = {{"Assignee", {{"type", "people"}, {"people", {{{"id", "u\nx"}}}}}}};
  EXPECT_FALSE(map_notion_delivery(settings(), automation(kTasks, people)));
}

TEST(NotionRoute, AVerificationRequestIsAnsweredBeforeTheSignature) {
  WebhookRoute route = notion_route(settings(), NotionGitHubSyncSettings{}, NotionDependenciesSettings{}, std::nullopt, std::nullopt);
  http::HttpRequest request;
  request.method = "POST";
  request.body = R"({"verification_token":"secret_tok123"})";
  request.peer_ip = "203.0.113.9";
  auto reply = route.pre_verify(request);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  json status = route.verification_status();
  EXPECT_EQ(status["verification_token"], "secret_tok123");
  EXPECT_EQ(status["from"], "203.0.113.9");
  EXPECT_EQ(status["secret_configured"], false);
  // Anything else goes on to the signature check.
  for (const char* body :
       {R"({"verification_token":"a","type":"page.created"})", R"({"verification_token":7})",
        R"({"verification_token":"has space"})", "not json", R"([1])"}) {
    request.body = body;
    EXPECT_FALSE(route.pre_verify(request)) << body;
  }
  EXPECT_EQ(route.verification_status()["requests"], 1);
  // Every distinct token is kept with its sender, newest first: a forged
  // one cannot hide Notion's.
  request.body = R"({"verification_token":"secret_forged"})";
  request.peer_ip = "198.51.100.7";
  ASSERT_TRUE(route.pre_verify(request));
  json both = route.verification_status();
  EXPECT_EQ(both["verification_token"], "secret_forged");
  ASSERT_EQ(both["tokens"].size(), 2u);
  EXPECT_EQ(both["tokens"][1]["verification_token"], "secret_tok123");
  EXPECT_EQ(both["tokens"][1]["from"], "203.0.113.9");
  for (int i = 0; i < 30; ++i) {
    request.body = R"({"verification_token":"secret_flood)" + std::to_string(i) + R"("})";
    ASSERT_TRUE(route.pre_verify(request));
  }
  EXPECT_EQ(route.verification_status()["tokens"].size(), 10u) << "bounded";
}

TEST(NotionRoute, OnceASecretIsSetAVerificationRequestIsNotKept) {
  WebhookRoute route = notion_route(settings(), NotionGitHubSyncSettings{}, NotionDependenciesSettings{},
                                    std::string("secret_set"), std::nullopt);
  http::HttpRequest request;
  request.method = "POST";
  request.body = R"({"verification_token":"secret_other"})";
  auto reply = route.pre_verify(request);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  json status = route.verification_status();
  EXPECT_TRUE(status["verification_token"].is_null());
  EXPECT_TRUE(status["tokens"].empty());
  EXPECT_EQ(status["secret_configured"], true);
}

NotionDependenciesSettings dependencies() {
  NotionDependenciesSettings d;
  d.tasks_db_id = kTasks;
  d.topic = "project-tasks";
  return d;
}

const PublishAction& publish_of(const WebhookAction& a) { return std::get<PublishAction>(a); }

TEST(NotionRoute, ADependenciesTaskEventPublishesTaskPropertiesUpdated) {
  for (const json& body : {event("page.properties_updated", kTasks),
                           automation(kTasks, {{"Dates", {{"type", "date"}, {"date", nullptr}}}})}) {
    auto actions = map_dependencies_notion_delivery(dependencies(), body);
    ASSERT_TRUE(actions) << actions.error().message;
    ASSERT_EQ(actions->size(), 1u);
    const PublishRequest& e = publish_of(actions->front()).event;
    EXPECT_EQ(e.topic, "project-tasks");
    EXPECT_EQ(e.type, "TaskPropertiesUpdated");
    EXPECT_EQ(e.key, "2e3f9ed4a2124b3a946af14187277a54") << "the canonical page id";
    EXPECT_EQ(e.data["page_id"], e.key);
    EXPECT_EQ(e.data["event"], body.contains("type") ? "page.properties_updated" : "automation");
    EXPECT_TRUE(e.id.empty()) << "the delivery's key is the event id";
  }
}

TEST(NotionRoute, TheDependenciesIgnoreOtherDatabasesAndAreOffWithoutATasksDatabase) {
  auto other = map_dependencies_notion_delivery(dependencies(), event("page.properties_updated", kObjectives));
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  auto not_page = map_dependencies_notion_delivery(dependencies(), event("comment.created", kTasks));
  ASSERT_TRUE(not_page);
  EXPECT_TRUE(not_page->empty());
  auto off = map_dependencies_notion_delivery(NotionDependenciesSettings{}, event("page.created", kTasks));
  ASSERT_TRUE(off);
  EXPECT_TRUE(off->empty());
  json bad = event("page.created", kTasks);
  bad["entity"]["id"] = "../../etc";
  EXPECT_FALSE(map_dependencies_notion_delivery(dependencies(), bad)) << "a malformed id is refused";
}

TEST(NotionRoute, OneDeliveryFeedsTheFanOutAndTheDependencies) {
  WebhookRoute route =
      notion_route(settings(), NotionGitHubSyncSettings{}, dependencies(), std::string("s"), std::nullopt);
  http::HttpRequest request;
  auto actions = route.map(event("page.properties_updated", kTasks), request);
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->size(), 2u);
  EXPECT_EQ(start_of(actions->at(0)).workflow_type, "notion_rollup");
  EXPECT_EQ(publish_of(actions->at(1)).event.type, "TaskPropertiesUpdated");
}

}  // namespace notion_route_test
}  // namespace sundial::webhooks
