// The key-value routes (server/api/kv_routes.cc) over a real engine:
// GET /api/v1/kv/{namespace} pages entries by prefix and cursor, leaves
// tombstones out unless asked, lists conflicted entries; GET
// /api/v1/kv/{namespace}/{key...} shows one entry with its history, the
// rest of the path being the key; bad names and parameters are 400.
#include "engine/kv/kv_service.h"
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace kv_routes_test {

class KvRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    h.open();
    api::AdminApi admin{*h.engine, h.loop, 60000};
    api::add_admin_routes(router, admin);
  }
  void write(const std::string& key, nlohmann::json value, KvOp op = KvOp::kPut,
             std::optional<uint64_t> if_version = std::nullopt) {
    KvWrite w;
    w.op = op;
    w.ns = "map";
    w.key = key;
    w.value = std::move(value);
    w.if_version = if_version;
    bool done = false;
    h.engine->kv().write(std::move(w), [&](Result<KvWriteResult> r) {
      ASSERT_TRUE(r) << r.error().to_string();
      done = true;
    });
    h.drain();
    ASSERT_TRUE(done);
  }
};

TEST_F(KvRoutesTest, ListPagesByPrefixAndCursorAndGetShowsTheHistory) {
  for (const char* key : {"page/a", "page/b", "page/c", "cursor/poll"}) write(key, {{"k", key}});
  write("page/b", nullptr, KvOp::kDelete);
  write("page/c", 1, KvOp::kPut, 9);  // a refused compare-and-set
  auto first = json_of(call("GET", "/api/v1/kv/map?prefix=page/&limit=1"));
  ASSERT_EQ(first["entries"].size(), 1u) << first.dump();
  EXPECT_EQ(first["namespace"], "map");
  EXPECT_EQ(first["entries"][0]["key"], "page/a");
  EXPECT_EQ(first["entries"][0]["value"]["k"], "page/a");
  EXPECT_FALSE(first["entries"][0].contains("history"));
  ASSERT_EQ(first["next_cursor"], "page/a");
  auto second = json_of(call("GET", "/api/v1/kv/map?prefix=page/&limit=1&cursor=page/a"));
  ASSERT_EQ(second["entries"].size(), 1u);
  EXPECT_EQ(second["entries"][0]["key"], "page/c") << "page/b is a tombstone";
  EXPECT_TRUE(call("GET", "/api/v1/kv/map?prefix=page/&cursor=page/c").status == 200);
  auto all = json_of(call("GET", "/api/v1/kv/map?deleted=include"));
  EXPECT_EQ(all["entries"].size(), 4u);
  EXPECT_TRUE(all["next_cursor"].is_null());
  auto only = json_of(call("GET", "/api/v1/kv/map?deleted=only"));
  ASSERT_EQ(only["entries"].size(), 1u);
  EXPECT_EQ(only["entries"][0]["deleted"], true);
  auto conflicted = json_of(call("GET", "/api/v1/kv/map?conflicted=true"));
  ASSERT_EQ(conflicted["entries"].size(), 1u);
  EXPECT_EQ(conflicted["entries"][0]["last_conflict"]["expected"], 9);

  auto one = call("GET", "/api/v1/kv/map/page/b");
  ASSERT_EQ(one.status, 200) << one.body;
  auto entry = json_of(one);
  EXPECT_EQ(entry["key"], "page/b");
  EXPECT_EQ(entry["namespace"], "map");
  EXPECT_EQ(entry["deleted"], true);
  EXPECT_EQ(entry["version"], 2);
  ASSERT_EQ(entry["history"].size(), 2u);
  EXPECT_EQ(entry["history"][1]["op"], "delete");
  EXPECT_EQ(entry["history"][1]["by"], "api");
  EXPECT_EQ(call("GET", "/api/v1/kv/map/page/zzz").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/kv/other").status, 200) << "an empty namespace lists nothing";
}

TEST_F(KvRoutesTest, BadNamesAndParametersAre400) {
  for (const char* target : {"/api/v1/kv/no%20spaces", "/api/v1/kv/map?limit=0", "/api/v1/kv/map?limit=5000",
                             "/api/v1/kv/map?deleted=all", "/api/v1/kv/map?conflicted=yes",
                             "/api/v1/kv/map?prefix=%0a", "/api/v1/kv/bad!ns/key"}) {
    auto r = call("GET", target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(code_of(r), "invalid_argument") << target;
  }
  EXPECT_EQ(call("POST", "/api/v1/kv/map").status, 405) << "no write route";
}

}  // namespace kv_routes_test
}  // namespace sundial::testing
