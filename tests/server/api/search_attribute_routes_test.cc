// GET /api/v1/instances?attr.NAME=VALUE (issue 22): instances of any type
// found by a search attribute, with the other filters and paging; describe
// shows the attributes; a start whose key cannot be indexed is a 400 that
// stores nothing; a malformed filter is a 400. And POST /api/v1/backups:
// its answer, and the bodies it refuses.
#include <filesystem>

#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

class SearchAttributeRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    ASSERT_TRUE(h.registry.declare_search_attributes("test.wait", {{"email", ""}}));
    ASSERT_TRUE(h.registry.declare_search_attributes("test.flaky", {{"email", "contact.email"}}));
    h.open();
    api::add_admin_routes(router, api::AdminApi{*h.engine, h.loop, 60000});
  }

  std::vector<std::string> ids_of(const std::string& query) {
    std::vector<std::string> ids;
    auto r = call("GET", "/api/v1/instances?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    const nlohmann::json listed = json_of(r);
    for (const auto& i : listed.value("instances", nlohmann::json::array())) ids.push_back(i["id"]);
    return ids;
  }
};

using Ids = std::vector<std::string>;

TEST_F(SearchAttributeRoutesTest, ListsTheInstancesOfAPersonAcrossTypes) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"nurture:ada","input":{"email":"ada@example.com"}})").status, 201);
  ASSERT_EQ(call("POST", "/api/v1/workflows/test.flaky/instances",
                 R"({"id":"booking:1","input":{"contact":{"email":"ada@example.com"}}})")
                .status,
            201);
  ASSERT_EQ(call("POST", kStart, R"({"id":"nurture:cy","input":{"email":"cy@example.com"}})").status, 201);

  EXPECT_EQ(ids_of("attr.email=ada%40example.com"), (Ids{"booking:1", "nurture:ada"}));
  EXPECT_EQ(ids_of("attr.email=ada%40example.com&type=test.wait"), (Ids{"nurture:ada"}));
  EXPECT_EQ(ids_of("attr.email=ada%40example.com&order=desc"), (Ids{"nurture:ada", "booking:1"}));
  EXPECT_EQ(ids_of("attr.email=nobody%40example.com"), (Ids{}));
  auto page = json_of(call("GET", "/api/v1/instances?attr.email=ada%40example.com&limit=1"));
  ASSERT_EQ(page["instances"].size(), 1u);
  EXPECT_EQ(ids_of("attr.email=ada%40example.com&limit=1&cursor=" + page["next_cursor"].get<std::string>()),
            (Ids{"nurture:ada"}));
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/booking:1"))["search_attributes"],
            nlohmann::json::parse(R"({"email":["ada@example.com"]})"));
}

TEST_F(SearchAttributeRoutesTest, BadFiltersAndUnindexableStartsAre400AndStoreNothing) {
  EXPECT_EQ(call("GET", "/api/v1/instances?attr.Email=x").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?attr.email=").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?attr.email=" + std::string(257, 'x')).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/instances?attr.email=a&attr.uid=b").status, 400);
  auto refused = call("POST", kStart, R"({"id":"bad","input":{"email":["ok",{"no":1}]}})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("search attribute 'email' (input.email)"), std::string::npos) << refused.body;
  EXPECT_EQ(call("GET", "/api/v1/instances/bad").status, 404);
}

TEST_F(SearchAttributeRoutesTest, ABackupIsTakenIntoANewDirectoryAndBadBodiesAreRefused) {
  const std::string dest = h.dir.sub("backup-1");
  auto taken = call("POST", "/api/v1/backups", nlohmann::json{{"path", dest}}.dump());
  ASSERT_EQ(taken.status, 201) << taken.body;
  auto body = json_of(taken);
  EXPECT_EQ(body["path"], dest);
  EXPECT_GT(body["files"].get<int>(), 1);
  EXPECT_TRUE(std::filesystem::exists(dest + "/sundial-backup.json"));
  EXPECT_EQ(call("POST", "/api/v1/backups", nlohmann::json{{"path", dest}}.dump()).status, 409);
  EXPECT_EQ(call("POST", "/api/v1/backups", R"({"path":"relative/dir"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/backups", R"({})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/backups", R"({"path":7})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/backups", R"({"path":"/tmp/x","extra":1})").status, 400);
}

}  // namespace
}  // namespace sundial::testing
