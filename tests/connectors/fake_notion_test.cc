// The fake Notion API (tests/support/fake_notion.h) itself, over real
// loopback HTTP: token and version checks, databases and data sources,
// queries with cursors and relation/people filters, refusals of shapes it
// does not evaluate, PATCH into read shape, scripted 429/5xx, latency on
// the fake's loop, and the request log.
#include "tests/support/fake_notion.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "tests/support/http_client.h"

namespace sundial::testing::fake_notion_test {

using nlohmann::json;

constexpr const char* kDb = "1A2B3C4D-0000-4000-8000-00000000DB01";
constexpr const char* kGoal = "90000000-0000-4000-8000-000000000001";
constexpr const char* kOtherGoal = "90000000-0000-4000-8000-000000000002";
constexpr const char* kAda = "u0000000-0000-4000-8000-00000000ada0";
constexpr const char* kBob = "u0000000-0000-4000-8000-00000000b0b0";

class FakeNotionTest : public ::testing::Test {
 protected:
  using Headers = std::map<std::string, std::string>;

  static Headers good_headers() {
    return {{"Authorization", "Bearer secret_test"},
            {"Notion-Version", "2025-09-03"},
            {"Content-Type", "application/json"}};
  }

  // One request on a fresh connection; status 0 when no reply came.
  HttpReply call(const std::string& method, const std::string& path, const json& body = nullptr,
                 const Headers& headers = good_headers()) {
    HttpConnection c(fake.port());
    auto reply = c.request(method, path, body.is_null() ? "" : body.dump(), headers);
    return reply ? *reply : HttpReply{};
  }
  json call_json(const std::string& method, const std::string& path, const json& body = nullptr) {
    return json::parse(call(method, path, body).body, nullptr, false);
  }

  // Task i: Objective → goal, Assignee → user; ids "t-<i>".
  // Objective has the property id "r%40q".
  void add_task(int i, const std::string& goal, const std::string& user) {
    json objective = relation_prop({goal});
    objective["id"] = "r%40q";
    fake.add_page(kDb, notion_page("t-" + std::to_string(i), kDb,
                                   {{"Name", title_prop("Task " + std::to_string(i))},
                                    {"Assignee", people_prop({user})},
                                    {"Objective", objective},
                                    {"Importance", rollup_number_prop(3)},
                                    {"Due", date_prop("2026-12-10")},
                                    {"Queue Rank", number_prop(std::nullopt)},
                                    {"Notes", rich_text_prop("")},
                                    {"Stage", select_prop(std::nullopt)},
                                    {"Status", status_prop("Not started")}}));
  }

  static std::vector<std::string> ids(const json& list) {
    std::vector<std::string> out;
    for (const auto& p : list["results"]) out.push_back(p["id"]);
    return out;
  }

  FakeNotion fake;
};

TEST_F(FakeNotionTest, RefusesAMissingVersionAndAWrongToken) {
  fake.add_database(kDb);
  auto no_version =
      call("GET", std::string("/v1/databases/") + kDb, nullptr, {{"Authorization", "Bearer secret_test"}});
  EXPECT_EQ(no_version.status, 400);
  json body = json::parse(no_version.body);
  EXPECT_EQ(body["object"], "error");
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["code"], "missing_version");
  EXPECT_NE(body["message"].get<std::string>().find("Notion-Version header failed validation"),
            std::string::npos);

  for (const Headers& h : {Headers{{"Notion-Version", "2025-09-03"}},
                           Headers{{"Notion-Version", "2025-09-03"}, {"Authorization", "Bearer other"}}}) {
    auto r = call("GET", std::string("/v1/databases/") + kDb, nullptr, h);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(json::parse(r.body)["code"], "unauthorized");
  }
  EXPECT_EQ(call("GET", std::string("/v1/databases/") + kDb).status, 200);
  EXPECT_EQ(call("GET", "/v1/nowhere").status, 400);
}

TEST_F(FakeNotionTest, AnswersADatabaseWithItsDataSource) {
  fake.add_database(kDb);
  fake.add_database("db-2", "source-2");
  EXPECT_EQ(fake.data_source_id(kDb), std::string("ds-") + kDb);
  EXPECT_EQ(fake.data_source_id("unknown"), "");

  json db = call_json("GET", "/v1/databases/1a2b3c4d00004000800000000000db01");  // no dashes, lower case
  EXPECT_EQ(db["object"], "database");
  EXPECT_EQ(db["id"], kDb);
  ASSERT_EQ(db["data_sources"].size(), 1u);
  EXPECT_EQ(db["data_sources"][0]["id"], std::string("ds-") + kDb);
  EXPECT_EQ(call_json("GET", "/v1/databases/db-2")["data_sources"][0]["id"], "source-2");

  auto missing = call("GET", "/v1/databases/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["code"], "object_not_found");
  EXPECT_EQ(call("POST", "/v1/data_sources/nope/query", json::object()).status, 404);
}

TEST_F(FakeNotionTest, QueriesPageThroughResultsWithCursors) {
  for (int i = 1; i <= 5; ++i) add_task(i, kGoal, kAda);
  std::string path = "/v1/data_sources/" + fake.data_source_id(kDb) + "/query";

  json all = call_json("POST", path, json::object());
  EXPECT_EQ(all["object"], "list");
  EXPECT_EQ(all["type"], "page_or_database");
  EXPECT_TRUE(all["page_or_database"].is_object());
  EXPECT_EQ(all["has_more"], false);
  EXPECT_TRUE(all["next_cursor"].is_null());
  EXPECT_EQ(ids(all), (std::vector<std::string>{"t-1", "t-2", "t-3", "t-4", "t-5"}));
  EXPECT_EQ(call_json("POST", path)["results"].size(), 5u) << "an empty body is no filter";

  std::vector<std::string> seen;
  json cursor = nullptr;
  int pages = 0;
  do {
    json body = {{"page_size", 2}};
    if (!cursor.is_null()) body["start_cursor"] = cursor;
    json page = call_json("POST", path, body);
    ASSERT_LE(page["results"].size(), 2u);
    for (const auto& id : ids(page)) seen.push_back(id);
    EXPECT_EQ(page["has_more"], !page["next_cursor"].is_null());
    cursor = page["next_cursor"];
    ++pages;
  } while (!cursor.is_null() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids(all));

  // The legacy route answers the same.
  EXPECT_EQ(ids(call_json("POST", std::string("/v1/databases/") + kDb + "/query", json::object())), ids(all));

  // "3" was never handed out (the cursors were "2" and "4").
  for (const json& bad : {json{{"start_cursor", "3"}}, json{{"start_cursor", "bogus"}},
                          json{{"start_cursor", 2}}, json{{"page_size", 101}}, json{{"page_size", 0}},
                          json{{"page_size", "10"}}, json{{"sorts", {{{"property", "Due"}}}}}}) {
    auto r = call("POST", path, bad);
    EXPECT_EQ(r.status, 400) << bad.dump();
    EXPECT_EQ(json::parse(r.body)["code"], "validation_error") << bad.dump();
  }
  EXPECT_EQ(json::parse(call("POST", path, nullptr).body)["results"].size(), 5u);
  HttpConnection c(fake.port());
  auto garbled = c.request("POST", path, "{not json", good_headers());
  ASSERT_TRUE(garbled);
  EXPECT_EQ(garbled->status, 400);
  EXPECT_EQ(json::parse(garbled->body)["code"], "invalid_json");
}

TEST_F(FakeNotionTest, EvaluatesRelationAndPeopleFilters) {
  add_task(1, kGoal, kAda);
  add_task(2, kOtherGoal, kAda);
  add_task(3, kGoal, kBob);
  std::string path = "/v1/data_sources/" + fake.data_source_id(kDb) + "/query";
  auto query = [&](const json& filter) { return ids(call_json("POST", path, {{"filter", filter}})); };
  using Ids = std::vector<std::string>;

  // IDs match with dashes removed and case ignored.
  json goal = {{"property", "Objective"}, {"relation", {{"contains", "90000000000040008000000000000001"}}}};
  json ada = {{"property", "Assignee"}, {"people", {{"contains", "U0000000-0000-4000-8000-00000000ADA0"}}}};
  EXPECT_EQ(query(goal), (Ids{"t-1", "t-3"}));
  EXPECT_EQ(query(ada), (Ids{"t-1", "t-2"}));
  EXPECT_EQ(query({{"and", {goal, ada}}}), (Ids{"t-1"}));
  EXPECT_EQ(query({{"or", {goal, ada}}}), (Ids{"t-1", "t-2", "t-3"}));
  // By property id too, as Notion allows; nested compounds.
  EXPECT_EQ(query({{"property", "r%40q"}, {"relation", {{"contains", kOtherGoal}}}}), (Ids{"t-2"}));
  EXPECT_EQ(
      query({{"or", {{{"and", {goal, ada}}}, {{"property", "Assignee"}, {"people", {{"contains", kBob}}}}}}}),
      (Ids{"t-1", "t-3"}));
  EXPECT_EQ(query({{"property", "Assignee"}, {"people", {{"contains", "nobody"}}}}), Ids{});
}

TEST_F(FakeNotionTest, EvaluatesStatusAndSelectFilters) {
  add_task(1, kGoal, kAda);
  std::string path = "/v1/data_sources/" + fake.data_source_id(kDb) + "/query";
  auto query = [&](const json& filter) { return ids(call_json("POST", path, {{"filter", filter}})); };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(query({{"property", "Status"}, {"status", {{"does_not_equal", "Done"}}}}), Ids{"t-1"});
  EXPECT_EQ(query({{"property", "Status"}, {"status", {{"equals", "Done"}}}}), Ids{});
  EXPECT_EQ(query({{"property", "Status"}, {"status", {{"equals", "Not started"}}}}), Ids{"t-1"});
  // An empty select equals nothing.
  EXPECT_EQ(query({{"property", "Stage"}, {"select", {{"does_not_equal", "Now"}}}}), Ids{"t-1"});
  EXPECT_EQ(query({{"property", "Stage"}, {"select", {{"equals", "Now"}}}}), Ids{});
  for (const json& filter : {json{{"property", "Status"}, {"select", {{"equals", "Done"}}}},
                             json{{"property", "Status"}, {"status", {{"is_empty", true}}}}}) {
    EXPECT_EQ(call("POST", path, {{"filter", filter}}).status, 400) << filter.dump();
  }
}

TEST_F(FakeNotionTest, RefusesFiltersItDoesNotEvaluate) {
  add_task(1, kGoal, kAda);
  std::string path = "/v1/data_sources/" + fake.data_source_id(kDb) + "/query";
  for (const json& filter : {
           json{{"property", "Due"}, {"date", {{"before", "2027-01-01"}}}},             // not evaluated
           json{{"timestamp", "created_time"}, {"created_time", {{"after", "2026"}}}},  // not evaluated
           json{{"property", "Objective"}, {"people", {{"contains", kAda}}}},           // wrong type
           json{{"property", "Goal"}, {"relation", {{"contains", kGoal}}}},             // no such property
           json{{"property", "Objective"}, {"relation", {{"does_not_contain", kGoal}}}},
           json{{"property", "Objective"}, {"relation", {{"contains", 7}}}},
           json{{"and", {{"property", "Objective"}}}},
           json{{"and", json::array()}, {"or", json::array()}},
           json::array(),
       }) {
    auto r = call("POST", path, {{"filter", filter}});
    EXPECT_EQ(r.status, 400) << filter.dump();
    EXPECT_EQ(json::parse(r.body)["code"], "validation_error") << filter.dump();
  }
}

TEST_F(FakeNotionTest, ReadsPages) {
  add_task(1, kGoal, kAda);
  json page = call_json("GET", "/v1/pages/T-1");
  EXPECT_EQ(page["object"], "page");
  EXPECT_EQ(page["id"], "t-1");
  EXPECT_EQ(page["parent"]["database_id"], kDb);
  EXPECT_EQ(page["created_time"], "2026-11-01T10:00:00.000Z");
  EXPECT_EQ(page["properties"]["Name"]["id"], "title");
  EXPECT_EQ(page["properties"]["Name"]["title"][0]["plain_text"], "Task 1");
  EXPECT_EQ(page["properties"]["Objective"]["relation"][0]["id"], kGoal);
  EXPECT_EQ(page["properties"]["Objective"]["has_more"], false);
  EXPECT_EQ(page["properties"]["Importance"]["rollup"]["number"].dump(), "3")
      << "integral numbers as integers";
  EXPECT_EQ(page["properties"]["Due"]["date"]["start"], "2026-12-10");
  EXPECT_TRUE(page["properties"]["Queue Rank"]["number"].is_null());
  EXPECT_EQ(page["properties"]["Status"]["status"]["name"], "Not started");
  EXPECT_EQ(page, fake.page("t-1"));

  auto missing = call("GET", "/v1/pages/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["code"], "object_not_found");
  EXPECT_TRUE(fake.page("nope").is_null());
  EXPECT_THROW(fake.add_page(kDb, json{{"object", "page"}}), std::invalid_argument);
}

TEST_F(FakeNotionTest, PatchStoresPropertiesInReadShape) {
  add_task(1, kGoal, kAda);
  json body = {{"properties",
                {{"Queue Rank", {{"number", 3}}},
                 {"Due", {{"date", {{"start", "2026-12-04"}}}}},
                 {"Stage", {{"select", {{"name", "Now"}}}}},
                 {"Notes", {{"rich_text", {{{"text", {{"content", "Ranked by Sundial"}}}}}}}},
                 {"Status", {{"status", {{"name", "In progress"}}}}}}}};
  auto r = call("PATCH", "/v1/pages/t-1", body);
  ASSERT_EQ(r.status, 200) << r.body;
  json props = json::parse(r.body)["properties"];
  EXPECT_EQ(props["Queue Rank"], (json{{"id", "Queue Rank"}, {"type", "number"}, {"number", 3}}));
  EXPECT_EQ(props["Due"]["date"], (json{{"start", "2026-12-04"}, {"end", nullptr}, {"time_zone", nullptr}}));
  EXPECT_EQ(props["Due"]["type"], "date");
  EXPECT_EQ(props["Stage"]["select"]["name"], "Now");
  EXPECT_EQ(props["Notes"]["rich_text"][0]["plain_text"], "Ranked by Sundial");
  EXPECT_EQ(props["Status"]["status"]["name"], "In progress");
  EXPECT_EQ(props["Name"]["title"][0]["plain_text"], "Task 1") << "other properties stay";
  EXPECT_EQ(fake.page("t-1")["properties"], props);
  EXPECT_NE(fake.page("t-1")["last_edited_time"], "2026-11-01T10:00:00.000Z");

  // Clearing: number and date to null.
  ASSERT_EQ(call("PATCH", "/v1/pages/t-1",
                 {{"properties", {{"Queue Rank", {{"number", nullptr}}}, {"Due", {{"date", nullptr}}}}}})
                .status,
            200);
  EXPECT_TRUE(fake.page("t-1")["properties"]["Queue Rank"]["number"].is_null());
  EXPECT_TRUE(fake.page("t-1")["properties"]["Due"]["date"].is_null());
}

TEST_F(FakeNotionTest, PatchRefusesWhatNotionRefuses) {
  add_task(1, kGoal, kAda);
  json before = fake.page("t-1");
  for (const json& props : {
           json{{"Importance", {{"number", 4}}}},                // rollup: read-only
           json{{"Importance", {{"rollup", {{"number", 4}}}}}},  // rollup: read-only
           json{{"Queue Rank", {{"number", 1}}},
                {"Rank", {{"number", 2}}}},                              // no such property: nothing applied
           json{{"Queue Rank", {{"date", {{"start", "2026-12-04"}}}}}},  // wrong type
           json{{"Queue Rank", {{"number", "3"}}}},
           json{{"Due", {{"date", {{"begin", "2026-12-04"}}}}}},
           json{{"Queue Rank", 3}},
       }) {
    auto r = call("PATCH", "/v1/pages/t-1", {{"properties", props}});
    EXPECT_EQ(r.status, 400) << props.dump();
    EXPECT_EQ(json::parse(r.body)["code"], "validation_error") << props.dump();
  }
  EXPECT_EQ(fake.page("t-1"), before);
  EXPECT_EQ(call("PATCH", "/v1/pages/t-1", {{"archived", true}}).status, 400);
  auto missing = call("PATCH", "/v1/pages/nope", {{"properties", {{"Queue Rank", {{"number", 1}}}}}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["code"], "object_not_found");
}

TEST_F(FakeNotionTest, ScriptsRateLimitsAndServerErrors) {
  add_task(1, kGoal, kAda);
  fake.fail_next(2, 429, 7, "/v1/pages/");
  fake.fail_next(1, 503);
  // Not spent on a request refused for its version.
  EXPECT_EQ(call("GET", "/v1/pages/t-1", nullptr, {{"Authorization", "Bearer secret_test"}}).status, 400);
  // The 503 (any path) goes to the database read; the 429s wait for pages.
  auto unavailable = call("GET", std::string("/v1/databases/") + kDb);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(json::parse(unavailable.body)["code"], "service_unavailable");
  for (int i = 0; i < 2; ++i) {
    auto limited = call("GET", "/v1/pages/t-1");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("retry-after"), "7");
    json body = json::parse(limited.body);
    EXPECT_EQ(body["object"], "error");
    EXPECT_EQ(body["code"], "rate_limited");
  }
  EXPECT_EQ(call("GET", "/v1/pages/t-1").status, 200);
  fake.fail_next(1, 500);
  fake.fail_next(1, 502);
  EXPECT_EQ(json::parse(call("GET", "/v1/pages/t-1").body)["code"], "internal_server_error");
  EXPECT_EQ(call("GET", "/v1/pages/t-1").status, 502);
  EXPECT_EQ(call("GET", "/v1/pages/t-1").status, 200);
}

TEST_F(FakeNotionTest, LatencyDelaysAnswersOnTheLoopWithoutBlockingIt) {
  add_task(1, kGoal, kAda);
  fake.set_latency_ms(400);
  HttpConnection a(fake.port());
  HttpConnection b(fake.port());
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(a.send_raw(http_request_bytes("GET", "/v1/pages/t-1", "", good_headers())));
  ASSERT_TRUE(b.send_raw(http_request_bytes(
      "PATCH", "/v1/pages/t-1", R"({"properties":{"Queue Rank":{"number":9}}})", good_headers())));
  // The PATCH is applied on arrival, before its answer leaves: a client
  // killed now has still written.
  for (int i = 0; i < 200 && fake.count("PATCH") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(fake.page("t-1")["properties"]["Queue Rank"]["number"], 9);
  EXPECT_FALSE(b.readable_now());
  auto ra = a.read_reply();
  auto rb = b.read_reply();
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 200);
  EXPECT_EQ(rb->status, 200);
  EXPECT_GE(elapsed, std::chrono::milliseconds(400));
  EXPECT_LT(elapsed, std::chrono::milliseconds(790)) << "the two answers waited one after the other";

  fake.set_latency_ms(0);
  EXPECT_EQ(call("GET", "/v1/pages/t-1").status, 200);
}

TEST_F(FakeNotionTest, StopsWithAnswersStillDelayed) {
  // One client leaves before its answer; one still waits when the fake
  // stops, and gets 503 rather than a hang.
  std::optional<HttpConnection> waiting;
  auto started = std::chrono::steady_clock::now();
  {
    FakeNotion slow;
    slow.set_latency_ms(60000);
    waiting.emplace(slow.port());
    {
      HttpConnection gone(slow.port());
      ASSERT_TRUE(gone.send_raw(http_request_bytes("GET", "/v1/pages/x", "", good_headers())));
      ASSERT_TRUE(waiting->send_raw(http_request_bytes("GET", "/v1/pages/x", "", good_headers())));
      for (int i = 0; i < 400 && slow.requests().size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    ASSERT_EQ(slow.requests().size(), 2u);
    EXPECT_EQ(slow.requests()[0].status, 404) << "decided on arrival";
  }
  auto reply = waiting->read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(FakeNotionTest, RecordsRequestsAndTheirDensity) {
  add_task(1, kGoal, kAda);
  for (int i = 0; i < 5; ++i) call("GET", "/v1/pages/t-1");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  call("PATCH", "/v1/pages/t-1", {{"properties", {{"Queue Rank", {{"number", 2}}}}}});
  call("POST", "/v1/data_sources/" + fake.data_source_id(kDb) + "/query", {{"page_size", 10}},
       {{"Authorization", "Bearer secret_test"}});

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 7u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v1/pages/t-1");
  EXPECT_EQ(requests[0].notion_version, "2025-09-03");
  EXPECT_EQ(requests[0].authorization, "Bearer secret_test");
  EXPECT_TRUE(requests[0].body.is_null());
  EXPECT_EQ(requests[0].status, 200);
  EXPECT_EQ(requests[5].body["properties"]["Queue Rank"]["number"], 2);
  EXPECT_EQ(requests[6].notion_version, "");
  EXPECT_EQ(requests[6].status, 400);
  EXPECT_EQ(requests[6].body["page_size"], 10);
  EXPECT_GT(requests[5].at_ms, requests[4].at_ms + 500);

  EXPECT_EQ(fake.count("GET"), 5u);
  EXPECT_EQ(fake.count("PATCH", "/v1/pages/"), 1u);
  EXPECT_EQ(fake.count("", "/v1/data_sources/"), 1u);
  EXPECT_EQ(fake.count("POST", "/v1/databases/"), 0u);
  EXPECT_EQ(fake.max_in_window(250), 5u);
  EXPECT_EQ(fake.max_in_window(60000), 7u);
  EXPECT_GE(fake.max_in_window(1), 1u);
  EXPECT_EQ(fake.max_in_window(0), 0u);
}

}  // namespace sundial::testing::fake_notion_test
