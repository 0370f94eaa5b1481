// Search attributes through the engine (issue 22): the keys a type declares
// are indexed in the start's commit and found across types; a start whose
// keys cannot be indexed stores nothing; an id that runs again is found by
// its latest run's keys only; the retention sweep removes the index rows
// with the instance; every row is on disk after a restart.
#include <gtest/gtest.h>

#include "engine/storage/keys.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

class SearchAttributesEngineTest : public testing::FlowTest {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    ASSERT_TRUE(h.registry.declare_search_attributes("test.wait", {{"email", ""}, {"assignee", "people"}}));
    ASSERT_TRUE(h.registry.declare_search_attributes("test.flaky", {{"email", "contact.email"}}));
    h.open();
  }

  std::vector<std::string> ids_with(const std::string& name, const std::string& value, ListQuery q = {}) {
    q.attr = SearchAttribute{name, value};
    auto page = h.list(q);
    EXPECT_TRUE(page) << page.error().to_string();
    std::vector<std::string> ids;
    if (page) {
      for (const auto& r : page->instances) ids.push_back(r.id);
    }
    return ids;
  }

  // Every attribute row on disk (the engine closed).
  std::vector<std::string> attr_rows() {
    h.close();
    RocksDbOptions options;
    options.path = h.dir.sub("data");
    options.read_only = true;
    auto store = RocksDbStore::open(options);
    EXPECT_TRUE(store) << store.error().to_string();
    std::vector<std::string> rows;
    if (store) {
      EXPECT_TRUE(scan_prefix(**store, Cf::kIndex, "A", [&](std::string_view key, std::string_view) {
        rows.emplace_back(key);
        return true;
      }));
    }
    return rows;
  }
};

TEST_F(SearchAttributesEngineTest, AnInstanceIsFoundByItsKeysAcrossTypes) {
  ASSERT_TRUE(h.start("test.wait", "nurture:ada", {{"email", "ada@example.com"}, {"people", {"ada", "bob"}}}));
  ASSERT_TRUE(h.start("test.flaky", "booking:1", {{"contact", {{"email", "ada@example.com"}}}}));
  ASSERT_TRUE(h.start("test.wait", "nurture:cy", {{"email", "cy@example.com"}}));
  // Not at the path its type declares (contact.email): no key.
  ASSERT_TRUE(h.start("test.flaky", "other", {{"email", "ada@example.com"}}));

  EXPECT_EQ(ids_with("email", "ada@example.com"), (std::vector<std::string>{"booking:1", "nurture:ada"}));
  EXPECT_EQ(ids_with("assignee", "bob"), (std::vector<std::string>{"nurture:ada"}));
  // Matched without regard to ASCII case, as people type addresses.
  EXPECT_EQ(ids_with("email", "ADA@Example.com"), (std::vector<std::string>{"booking:1", "nurture:ada"}));
  ListQuery q;
  q.type = "test.flaky";
  EXPECT_EQ(ids_with("email", "ada@example.com", q), (std::vector<std::string>{"booking:1"}));
  q = ListQuery{};
  q.status = InstanceStatus::kWaiting;
  EXPECT_EQ(ids_with("email", "ada@example.com", q), (std::vector<std::string>{"nurture:ada"}));
  q = ListQuery{};
  q.newest_first = true;
  EXPECT_EQ(ids_with("email", "ada@example.com", q), (std::vector<std::string>{"nurture:ada", "booking:1"}));
  // Pages of one, followed by the cursor.
  ListQuery one;
  one.limit = 1;
  one.attr = SearchAttribute{"email", "ada@example.com"};
  auto first = h.list(one);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->instances.size(), 1u);
  one.cursor = first->next_cursor;
  auto second = h.list(one);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->instances.size(), 1u);
  EXPECT_EQ(second->instances[0].id, "nurture:ada");
  auto record = h.describe("nurture:ada");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->search_attributes, (std::vector<SearchAttribute>{
                                           {"assignee", "ada"}, {"assignee", "bob"}, {"email", "ada@example.com"}}));
  h.reopen();
  EXPECT_EQ(ids_with("email", "ada@example.com"), (std::vector<std::string>{"booking:1", "nurture:ada"}));
}

TEST_F(SearchAttributesEngineTest, AStartWhoseKeysCannotBeIndexedStoresNothing) {
  auto refused = h.start("test.wait", "bad", {{"email", {{"not", "a string"}}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "search attribute 'email' (input.email) must be a string, a number, a boolean or an array of them, "
            "not object");
  EXPECT_EQ(h.describe("bad").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(attr_rows().empty());
}

TEST_F(SearchAttributesEngineTest, ARunAgainIsFoundByItsOwnKeysAndTheSweepRemovesThem) {
  ASSERT_TRUE(h.start(StartRequest{"test.flaky", "r", {{"contact", {{"email", "old@example.com"}}}}, std::nullopt}));
  ASSERT_EQ(h.status("r"), InstanceStatus::kCompleted);
  StartRequest again{"test.flaky", "r", {{"contact", {{"email", "new@example.com"}}}}, std::nullopt};
  again.id_reuse = IdReuse::kAllowIfFinished;
  ASSERT_TRUE(h.start(again));
  EXPECT_TRUE(ids_with("email", "old@example.com").empty());
  EXPECT_EQ(ids_with("email", "new@example.com"), (std::vector<std::string>{"r"}));
  ASSERT_TRUE(h.start("test.wait", "kept", {{"email", "new@example.com"}}));

  h.clock.advance(h.options.retention.retention + 1);
  EXPECT_EQ(h.sweep().instances_deleted, 1u);
  EXPECT_EQ(ids_with("email", "new@example.com"), (std::vector<std::string>{"kept"}));
  EXPECT_EQ(attr_rows(), (std::vector<std::string>{keys::attr_index_key("email", "new@example.com", "kept")}));
}

}  // namespace
}  // namespace sundial
