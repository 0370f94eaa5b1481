// Erasure through the engine (issue 22): the instances a search attribute
// finds are cancelled when they run and deleted with everything they hold;
// afterwards no column family holds the person's address in a key or a
// value; a dry run changes nothing; another person's instances stay; the
// erased start's idempotency key is free again.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/storage/rocksdb_store.h"
#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

const std::string kAda = "ada@example.com";

class ErasureTest : public testing::FlowTest {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    ASSERT_TRUE(h.registry.declare_search_attributes("test.wait", {{"email", ""}}));
    ASSERT_TRUE(h.registry.declare_search_attributes("test.flaky", {{"email", "contact.email"}}));
    h.open();
  }

  Result<ErasureReport> erase(const std::string& value, bool dry_run) {
    std::optional<Result<ErasureReport>> out;
    h.engine->erase(ErasureRequest{{"email", value}, dry_run}, [&](Result<ErasureReport> r) { out = std::move(r); });
    for (int i = 0; i < 5000 && !out; ++i) {
      h.drain();
      if (!out) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a plan on the query pool
    }
    h.drain();
    EXPECT_TRUE(out) << "the erasure was not answered";
    return out ? std::move(*out) : make_error(ErrorCode::kInternal, "no answer");
  }

  // Each key or value of every column family that holds `needle` (the
  // engine closed).
  std::vector<std::string> rows_holding(const std::string& needle) {
    h.close();
    RocksDbOptions options;
    options.path = h.dir.sub("data");
    options.read_only = true;
    auto store = RocksDbStore::open(options);
    EXPECT_TRUE(store) << store.error().to_string();
    std::vector<std::string> found;
    for (size_t cf = 0; store && cf < kCfCount; ++cf) {
      EXPECT_TRUE((*store)->scan(static_cast<Cf>(cf), {}, {}, [&](std::string_view key, std::string_view value) {
        if (key.find(needle) != std::string_view::npos || value.find(needle) != std::string_view::npos) {
          found.push_back(std::string(kCfNames[cf]) + ": " + std::string(key));
        }
        return true;
      }));
    }
    return found;
  }
};

TEST_F(ErasureTest, EverythingAboutAPersonGoesAndNothingElse) {
  ASSERT_TRUE(h.start("test.wait", "nurture:" + kAda, {{"email", kAda}}, "signup:" + kAda));
  ASSERT_TRUE(h.signal("nurture:" + kAda, "note", {{"from", kAda}}, "note-from:" + kAda));
  ASSERT_TRUE(h.start("test.flaky", "booking:1", {{"contact", {{"email", kAda}}}}));
  ASSERT_TRUE(h.start("test.wait", "nurture:bob", {{"email", "bob@example.com"}}, "signup:bob"));
  ASSERT_EQ(h.status("booking:1"), InstanceStatus::kCompleted);

  auto dry = erase(kAda, true);
  ASSERT_TRUE(dry) << dry.error().to_string();
  EXPECT_TRUE(dry->dry_run);
  ASSERT_EQ(dry->instances.size(), 2u);
  EXPECT_EQ(dry->instances[0].id, "booking:1");
  EXPECT_EQ(dry->instances[1].id, "nurture:" + kAda);
  EXPECT_EQ(dry->instances[1].status, InstanceStatus::kWaiting);
  EXPECT_EQ(dry->erased, 0u);
  EXPECT_EQ(h.status("nurture:" + kAda), InstanceStatus::kWaiting);

  auto done = erase(kAda, false);
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(done->instances.size(), 2u);
  EXPECT_EQ(done->cancelled, 1u);
  EXPECT_EQ(done->erased, 2u);
  EXPECT_TRUE(done->skipped.empty()) << done->skipped.front().second;
  EXPECT_FALSE(done->more);
  EXPECT_EQ(h.describe("nurture:" + kAda).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.describe("booking:1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.status("nurture:bob"), InstanceStatus::kWaiting);
  auto again = erase(kAda, true);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->instances.empty());

  // The erased start's key is free: the same start makes a new instance.
  auto restarted = h.start("test.wait", "nurture:" + kAda, {{"email", kAda}}, "signup:" + kAda);
  ASSERT_TRUE(restarted);
  EXPECT_TRUE(restarted->created);
  auto second = erase(kAda, false);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->erased, 1u) << (second->skipped.empty() ? "" : second->skipped.front().second);

  EXPECT_EQ(rows_holding(kAda), std::vector<std::string>{});
  EXPECT_FALSE(rows_holding("bob@example.com").empty());
}

TEST_F(ErasureTest, NoMatchIsAnEmptyAnswer) {
  auto done = erase("nobody@example.com", false);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->instances.empty());
  EXPECT_EQ(done->erased, 0u);
}

}  // namespace
}  // namespace sundial
