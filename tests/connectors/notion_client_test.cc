// The Notion connector over the async HTTP client against the fake Notion
// (tests/support/fake_notion.h): headers, pagination until has_more is
// false, the data source of a database (2025-09-03) read once, the legacy
// database query, retries of 429 (holding the limiter `notion` for
// Retry-After) and 5xx, Notion's errors mapped, updates, and no token.
#include "connectors/notion/notion_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "engine/runtime/retry_policy.h"
#include "tests/support/fake_notion.h"
#include "tests/support/scripted_http_server.h"

namespace sundial {
namespace notion_client_test {

using nlohmann::json;
using testing::FakeNotion;

const std::string kTasks = "1d2e8dc3-9101-4a29-835f-e03076166f43";
const std::string kObjective = "2e3f9ed4-a212-4b3a-946a-f14187277a54";

class NotionClientTest : public ::testing::Test {
 protected:
  NotionOptions options(std::string version = "2025-09-03") {
    NotionOptions o;
    o.base_url = fake.base_url();
    o.token = "secret_test";
    o.version = std::move(version);
    o.rate_per_second = 1000;
    o.burst = 1000;
    o.timeout = 2000;
    return o;
  }
  void seed(int tasks, int related_every = 1) {
    fake.add_database(kTasks, "ds-tasks");
    for (int i = 0; i < tasks; ++i) {
      std::vector<std::string> rel;
      if (i % related_every == 0) rel.push_back(kObjective);
      fake.add_page(kTasks, testing::notion_page("task-" + std::to_string(i), kTasks,
                                                 {{"Objective", testing::relation_prop(rel)},
                                                  {"Score", testing::number_prop(i)}}));
    }
  }
  template <typename T, typename Start>
  Result<T> wait(Start start) {
    std::optional<Result<T>> out;
    start([&](Result<T> r) { out = std::move(r); });
    while (!out) loop.run_once();
    return *out;
  }
  Result<NotionQueryResult> query(NotionClient& client, NotionQuery q) {
    return wait<NotionQueryResult>([&](auto done) { client.query_all(q, std::move(done)); });
  }
  NotionQuery related() {
    return NotionQuery{
        kTasks, false, {{"property", "Objective"}, {"relation", {{"contains", kObjective}}}}, nullptr};
  }

  FakeNotion fake;
  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  Limiters limiters{loop, clock, with_notion_limiter({}, options())};
};

TEST_F(NotionClientTest, QueriesEveryPageOfTheDataSource) {
  seed(250);
  NotionClient client(http, limiters, options());
  auto r = query(client, related());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->pages.size(), 250u);
  EXPECT_EQ(r->requests, 4) << "the database once, then three pages of 100";
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v1/databases/" + kTasks);
  for (const auto& req : requests) {
    EXPECT_EQ(req.authorization, "Bearer secret_test");
    EXPECT_EQ(req.notion_version, "2025-09-03");
  }
  EXPECT_EQ(requests[1].path, "/v1/data_sources/ds-tasks/query");
  EXPECT_EQ(requests[1].body["page_size"], 100);
  EXPECT_EQ(requests[1].body["filter"]["relation"]["contains"], kObjective);
  EXPECT_FALSE(requests[1].body.contains("start_cursor"));
  EXPECT_TRUE(requests[2].body["start_cursor"].is_string());
  // The data source is known now: one request for the next query.
  auto again = query(client, related());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->requests, 3);
  EXPECT_EQ(fake.count("GET", "/v1/databases/"), 1u);
}

TEST_F(NotionClientTest, AnOlderVersionQueriesTheDatabaseAndAFilterSelects) {
  seed(30, 3);
  NotionClient client(http, limiters, options("2022-06-28"));
  auto r = query(client, related());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->pages.size(), 10u);
  EXPECT_EQ(fake.requests().at(0).path, "/v1/databases/" + kTasks + "/query");
  auto none = query(
      client,
      NotionQuery{
          kTasks, false, {{"property", "Objective"}, {"relation", {{"contains", "nothing-here"}}}}, nullptr});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->pages.empty());
}

TEST_F(NotionClientTest, RetriesA429AfterItsRetryAfterAndA5xx) {
  seed(5);
  NotionClient client(http, limiters, options());
  fake.fail_next(1, 429, 1, "/v1/data_sources/");
  auto started = std::chrono::steady_clock::now();
  auto r = query(client, related());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900))
      << "the limiter was held for Retry-After";
  EXPECT_EQ(limiters.view("notion")->holds, 1u);
  fake.fail_next(1, 502, 0, "/v1/data_sources/");
  auto after_5xx = query(client, related());
  ASSERT_TRUE(after_5xx) << after_5xx.error().to_string();
  EXPECT_EQ(after_5xx->pages.size(), 5u);
}

TEST_F(NotionClientTest, MapsNotionsErrors) {
  seed(1);
  NotionOptions o = options();
  o.attempts = 2;
  NotionClient client(http, limiters, o);
  auto missing = wait<json>(
      [&](auto done) { client.retrieve_page("0c1f7cb2-8090-4f18-924e-d92965055e32", std::move(done)); });
  ASSERT_FALSE(missing);
  EXPECT_FALSE(is_retryable(missing.error()));
  EXPECT_NE(missing.error().message.find("404 object_not_found"), std::string::npos)
      << missing.error().message;

  fake.fail_next(2, 503, 0, "/v1/pages/");
  auto down = wait<json>([&](auto done) { client.retrieve_page("task-0", std::move(done)); });
  ASSERT_FALSE(down);
  EXPECT_TRUE(is_retryable(down.error())) << down.error().message;

  auto bad = wait<json>([&](auto done) {
    client.update_page("task-0", {{"Objective", {{"rollup", {{"number", 1}}}}}}, std::move(done));
  });
  ASSERT_FALSE(bad);
  EXPECT_FALSE(is_retryable(bad.error()));
  EXPECT_NE(bad.error().message.find("400 validation_error"), std::string::npos) << bad.error().message;

  auto hostile = wait<json>([&](auto done) { client.retrieve_page("../databases/x", std::move(done)); });
  ASSERT_FALSE(hostile);
  EXPECT_EQ(fake.count("GET", "/v1/databases/"), 0u) << "an id that is not one is never sent";
}

TEST_F(NotionClientTest, UpdatesProperties) {
  seed(1);
  NotionClient client(http, limiters, options());
  auto r = wait<json>([&](auto done) {
    client.update_page("task-0", {{"Score", {{"number", 42}}}}, std::move(done));
  });
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(fake.page("task-0")["properties"]["Score"]["number"], 42);
  auto req = fake.requests().back();
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.body, (json{{"properties", {{"Score", {{"number", 42}}}}}}));
}

// A broken or hostile answer must end the query, never loop or hold the
// shared limiter for a day.
TEST_F(NotionClientTest, AnAnswerThatNeverMovesOnEndsTheQuery) {
  testing::ScriptedHttpServer server;
  NotionOptions o = options("2022-06-28");
  o.base_url = server.base_url();
  o.attempts = 1;
  NotionClient client(http, limiters, o);
  for (const json& answer :
       {json{{"results", json::array()}, {"has_more", true}, {"next_cursor", "c1"}},
        json{{"results", {{{"id", "p"}}}}, {"has_more", true}, {"next_cursor", "same"}},
        json{{"results", {{{"id", "p"}}}}, {"has_more", true}}, json{{"has_more", false}}}) {
    server.script([answer](const http::HttpRequest&) { return http::HttpResponse::json(200, answer); });
    size_t before = server.requests().size();
    auto r = query(client, NotionQuery{kTasks, false, nullptr, nullptr});
    EXPECT_FALSE(r) << answer.dump();
    EXPECT_LE(server.requests().size() - before, 2u) << answer.dump();
  }
  server.script([](const http::HttpRequest&) {
    return http::HttpResponse::json(429, {{"object", "error"}, {"code", "rate_limited"}})
        .with_header("Retry-After", "999999999999999999");
  });
  auto limited = query(client, NotionQuery{kTasks, false, nullptr, nullptr});
  ASSERT_FALSE(limited);
  EXPECT_TRUE(is_retryable(limited.error()));
  EXPECT_EQ(limiters.view("notion")->holds, 1u) << "held, for at most five minutes";
}

TEST_F(NotionClientTest, WithoutATokenNothingIsSent) {
  NotionOptions o = options();
  o.token.reset();
  NotionClient client(http, limiters, o);
  auto r = wait<json>([&](auto done) { client.retrieve_page("task-0", std::move(done)); });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NOTION_TOKEN"), std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

}  // namespace notion_client_test
}  // namespace sundial
