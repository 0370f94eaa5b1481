// The limiter routes (server/api/limit_routes.cc) over a real engine:
// PUT /api/v1/limits/{name} makes (201) and changes (200) a limiter, GET
// reads it, DELETE removes it; sundiald.toml's are 409; every refused
// body is 400 and changes nothing.
#include "engine/limits/limiter_catalog.h"
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

class LimitRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    h.open();
    auto opened = catalog.open(*h.engine);
    ASSERT_TRUE(opened) << opened.error().to_string();
    api::AdminApi admin{*h.engine, h.loop, 60000};
    admin.limits = &catalog;
    api::add_admin_routes(router, admin);
  }
  nlohmann::json listed() { return json_of(call("GET", "/api/v1/limits"))["limits"]; }

  Limiters limiters{h.loop, h.clock, {{"notion", {3, 3}}}};
  LimiterCatalog catalog{limiters};
};

TEST_F(LimitRoutesTest, PutMakesThenChangesALimiterAndGetAndListShowIt) {
  auto made = call("PUT", "/api/v1/limits/github", R"({"rate": 5, "burst": 10})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(json_of(made)["source"], "api");
  EXPECT_EQ(json_of(made)["rate"], 5.0);
  EXPECT_EQ(json_of(made)["burst"], 10.0);
  auto changed = call("PUT", "/api/v1/limits/github", R"({"rate": 0.5})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(json_of(changed)["burst"], 1.0) << "burst defaults to max(1, rate)";
  auto got = call("GET", "/api/v1/limits/github");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json_of(got), json_of(changed));
  auto all = listed();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["name"], "github");
  EXPECT_EQ(all[1]["name"], "notion");
  EXPECT_EQ(all[1]["source"], "config");
  EXPECT_EQ(call("PUT", "/api/v1/limits/big", R"({"rate": 40})").status, 201);
  EXPECT_EQ(json_of(call("GET", "/api/v1/limits/big"))["burst"], 40.0);
}

TEST_F(LimitRoutesTest, DeleteRemovesAnApiLimiterAndUnknownNamesAre404) {
  ASSERT_EQ(call("PUT", "/api/v1/limits/github", R"({"rate": 5})").status, 201);
  auto deleted = call("DELETE", "/api/v1/limits/github");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(json_of(deleted)["deleted"], true);
  EXPECT_EQ(call("GET", "/api/v1/limits/github").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/limits/github").status, 404);
  EXPECT_EQ(code_of(call("DELETE", "/api/v1/limits/github")), "not_found");
}

TEST_F(LimitRoutesTest, TheFilesLimitersAre409) {
  for (auto r :
       {call("PUT", "/api/v1/limits/notion", R"({"rate": 100})"), call("DELETE", "/api/v1/limits/notion")}) {
    ASSERT_EQ(r.status, 409) << r.body;
    std::string message = json_of(r)["error"]["message"];
    EXPECT_NE(message.find("sundiald.toml"), std::string::npos) << message;
    EXPECT_NE(message.find("[limits.notion]"), std::string::npos) << message;
  }
  EXPECT_EQ(json_of(call("GET", "/api/v1/limits/notion"))["rate"], 3.0);
}

TEST_F(LimitRoutesTest, HostileBodiesAndNamesAre400AndChangeNothing) {
  ASSERT_EQ(call("PUT", "/api/v1/limits/github", R"({"rate": 5, "burst": 5})").status, 201);
  const std::vector<std::string> bodies = {
      "not json",
      "[1, 2]",
      "{}",
      R"({"rate": "5"})",
      R"({"rate": true})",
      R"({"rate": null})",
      R"({"rate": 0})",
      R"({"rate": -3})",
      R"({"rate": 1e400})",
      R"({"rate": 1000001})",
      R"({"rate": 5, "burst": 0})",
      R"({"rate": 5, "burst": 0.5})",
      R"({"rate": 5, "burst": 2000000})",
      R"({"rate": 5, "burst": "NaN"})",
      R"({"rate": 5, "burst": [1]})",
      R"({"rate": 5, "extra": 1})",
      R"({"rate": {"nested": {"junk": [1, 2, {"x": null}]}}})",
      R"({"rate": 5)",
  };
  for (const std::string& body : bodies) {
    for (const std::string& name : {std::string("github"), std::string("fresh")}) {
      auto r = call("PUT", "/api/v1/limits/" + name, body);
      EXPECT_EQ(r.status, 400) << body << " → " << r.body;
      EXPECT_FALSE(json_of(r)["error"]["message"].get<std::string>().empty()) << body;
    }
  }
  auto bad_name = call("PUT", "/api/v1/limits/" + std::string(65, 'a'), R"({"rate": 1})");
  EXPECT_EQ(bad_name.status, 400) << bad_name.body;
  EXPECT_EQ(call("PUT", "/api/v1/limits/a%20b", R"({"rate": 1})").status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/limits/github", R"({"rate": 1})", {{"content-type", "text/plain"}}).status,
            415);
  auto all = listed();
  ASSERT_EQ(all.size(), 2u) << all.dump();
  EXPECT_EQ(json_of(call("GET", "/api/v1/limits/github"))["rate"], 5.0);
}

}  // namespace
}  // namespace sundial::testing
