// The Notion property readers (connectors/notion/notion_properties.h) on
// the read shapes of PROVIDERS.md 3.4, and on malformed values, which read
// as nothing instead of throwing.
#include "connectors/notion/notion_properties.h"

#include <gtest/gtest.h>

namespace sundial::notion {
namespace {

using nlohmann::json;

TEST(NotionProperties, ReadsEachType) {
  json title = {{"id", "title"},
                {"type", "title"},
                {"title",
                 {{{"type", "text"}, {"text", {{"content", "Ship"}}}, {"plain_text", "Ship"}},
                  {{"type", "text"}, {"text", {{"content", " it"}}}}}}};
  EXPECT_EQ(title_text(title), "Ship it");
  json people = {{"type", "people"},
                 {"people", {{{"object", "user"}, {"id", "u1"}}, {{"object", "user"}, {"id", "u2"}}}}};
  EXPECT_EQ(people_ids(people), (std::vector<std::string>{"u1", "u2"}));
  json relation = {{"type", "relation"}, {"relation", {{{"id", "p1"}}}}, {"has_more", true}};
  auto rel = relation_ids(relation);
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->ids, std::vector<std::string>{"p1"});
  EXPECT_TRUE(rel->has_more);
  EXPECT_EQ(number_value(json{{"type", "number"}, {"number", 42}}), 42);
  EXPECT_EQ(number_value(json{{"type", "rollup"},
                              {"rollup", {{"type", "number"}, {"number", 2.5}, {"function", "sum"}}}}),
            2.5);
  json date = {{"type", "date"},
               {"date", {{"start", "2023-02-23"}, {"end", nullptr}, {"time_zone", nullptr}}}};
  EXPECT_EQ(date_start(date), "2023-02-23");
  EXPECT_EQ(date_start(json{{"type", "rollup"},
                            {"rollup", {{"type", "date"}, {"date", {{"start", "2024-01-02"}}}}}}),
            "2024-01-02");
  EXPECT_EQ(select_name(
                json{{"type", "select"}, {"select", {{"id", "x"}, {"name", "jQuery"}, {"color", "purple"}}}}),
            "jQuery");
  EXPECT_EQ(status_name(json{{"type", "status"}, {"status", {{"name", "Done"}}}}), "Done");
}

// A date range reads as the ISO 8601 interval "start/end"; a date
// without an end (or with an empty one) as its start.
TEST(NotionProperties, ADateRangeSimplifiesToAnInterval) {
  json range = {{"type", "date"},
                {"date", {{"start", "2026-12-07"}, {"end", "2026-12-09"}, {"time_zone", nullptr}}}};
  EXPECT_EQ(simplify_property(range), "2026-12-07/2026-12-09");
  EXPECT_EQ(date_start(range), "2026-12-07");
  EXPECT_EQ(simplify_property(json{{"type", "date"}, {"date", {{"start", "2026-12-07"}, {"end", ""}}}}),
            "2026-12-07");
  EXPECT_EQ(simplify_property(json{{"type", "date"}, {"date", {{"start", "2026-12-07"}, {"end", 5}}}}),
            "2026-12-07");
  EXPECT_EQ(simplify_property(json{{"type", "rollup"},
                                   {"rollup", {{"type", "date"},
                                               {"date", {{"start", "2026-12-07T09:00:00Z"},
                                                         {"end", "2026-12-08T17:00:00Z"}}}}}}),
            "2026-12-07T09:00:00Z/2026-12-08T17:00:00Z");
  EXPECT_TRUE(simplify_property(json{{"type", "date"}, {"date", {{"end", "2026-12-09"}}}}).is_null())
      << "an end without a start is nothing";
}

TEST(NotionProperties, WrongOrMalformedValuesReadAsNothing) {
  EXPECT_FALSE(number_value(json{{"type", "number"}, {"number", "7"}}));
  EXPECT_FALSE(number_value(json{{"type", "select"}, {"select", {{"name", "7"}}}}));
  EXPECT_FALSE(people_ids(json{{"type", "people"}, {"people", "u1"}}));
  EXPECT_FALSE(relation_ids(json::array()));
  EXPECT_FALSE(date_start(json{{"type", "date"}, {"date", nullptr}}));
  EXPECT_FALSE(status_name(json("Done")));
  EXPECT_FALSE(title_text(json{{"type", "title"}}));
  EXPECT_TRUE(simplify_property(json{{"type", "people"}, {"people", 3}}).is_null());
  EXPECT_TRUE(simplify_property(json{{"type", "unknown_kind"}}).is_null());
  EXPECT_TRUE(simplify_property(json(17)).is_null());
  // Members missing inside a rollup or formula read as nothing too.
  EXPECT_TRUE(simplify_property(json{{"type", "rollup"}, {"rollup", {{"type", "date"}}}}).is_null());
  EXPECT_EQ(simplify_property(json{{"type", "rollup"}, {"rollup", {{"type", "array"}}}}), json::array());
  EXPECT_TRUE(simplify_property(json{{"type", "formula"}, {"formula", {{"type", "boolean"}}}}).is_null());
  EXPECT_TRUE(simplify_property(json{{"type", "formula"}, {"formula", {{"type", "date"}}}}).is_null());
  EXPECT_TRUE(simplify_property(json{{"type", "unique_id"}, {"unique_id", {{"prefix", "T"}}}}).is_null());
  EXPECT_FALSE(number_value(json{{"type", "rollup"}, {"rollup", {{"type", "number"}}}}));
  EXPECT_FALSE(date_start(json{{"type", "rollup"}, {"rollup", {{"type", "date"}}}}));
  EXPECT_EQ(title_text(json{{"type", "title"}, {"title", {{{"text", 5}}, 7}}}), "");
  EXPECT_EQ(
      simplify_page(json{{"id", "p"}, {"in_trash", "yes"}, {"properties", {{"x", 1}}}})["properties"]["x"],
      nullptr);
}

TEST(NotionProperties, SimplifiesAPage) {
  json page = {{"object", "page"},
               {"id", "page-1"},
               {"created_time", "2026-11-01T10:00:00.000Z"},
               {"parent", {{"type", "database_id"}, {"database_id", "db-tasks"}}},
               {"properties",
                {{"Assignee", {{"type", "people"}, {"people", {{{"id", "u1"}}}}}},
                 {"Objective", {{"type", "relation"}, {"relation", {{{"id", "o1"}}}}, {"has_more", false}}},
                 {"Importance",
                  {{"type", "rollup"},
                   {"rollup", {{"type", "array"}, {"array", {{{"type", "number"}, {"number", 3}}}}}}}},
                 {"Tags", {{"type", "multi_select"}, {"multi_select", {{{"name", "a"}}, {{"name", "b"}}}}}},
                 {"Done", {{"type", "checkbox"}, {"checkbox", true}}}}}};
  json simple = simplify_page(page);
  EXPECT_EQ(simple["id"], "page-1");
  EXPECT_EQ(simple["parent"], "db-tasks");
  EXPECT_EQ(simple["in_trash"], false);
  EXPECT_EQ(simple["properties"]["Assignee"], json::array({"u1"}));
  EXPECT_EQ(simple["properties"]["Objective"], json::array({"o1"}));
  EXPECT_EQ(simple["properties"]["Importance"], json::array({3}));
  EXPECT_EQ(simple["properties"]["Tags"], json::array({"a", "b"}));
  EXPECT_EQ(simple["properties"]["Done"], true);
  json only = simplify_page(page, {"Assignee"});
  EXPECT_EQ(only["properties"].size(), 1u);
  EXPECT_EQ(simplify_page(json("not a page"))["properties"], json::object());
}

TEST(NotionProperties, IdsCompareWithoutDashesInAnyCase) {
  EXPECT_TRUE(same_notion_id("0c1f7cb2-8090-4f18-924e-d92965055e32", "0C1F7CB280904F18924ED92965055E32"));
  EXPECT_FALSE(
      same_notion_id("0c1f7cb2-8090-4f18-924e-d92965055e32", "0c1f7cb2-8090-4f18-924e-d92965055e33"));
  EXPECT_TRUE(same_notion_id("db-tasks", "db-tasks"));
  EXPECT_FALSE(same_notion_id("", ""));
  EXPECT_EQ(canonical_notion_id("not-an-id"), "");
  json both = {{"type", "data_source_id"}, {"data_source_id", "ds"}, {"database_id", "db"}};
  EXPECT_EQ(parent_id(both), "db");
  EXPECT_EQ(parent_ids(json{{"parent", both}}), (std::vector<std::string>{"db", "ds"}));
  EXPECT_EQ(parent_id(json{{"type", "database"}, {"id", "db"}}), "db");
  EXPECT_EQ(parent_id(json{{"type", "page_id"}, {"page_id", "p"}}), "");
}

}  // namespace
}  // namespace sundial::notion
