// LimiterCatalog (engine/limits/limiter_catalog.h) over a real engine on
// RocksDB: a limiter put through it is durable before it is answered and
// back after a reopen, a delete too; sundiald.toml's limiters are not its
// to change; the API's are capped; stored rows for a name the file now
// declares are dropped at start-up.
#include "engine/limits/limiter_catalog.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;

class LimiterCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.open();
    open_catalog();
  }
  // A fresh Limiters and catalog over the open engine, as sundiald makes at
  // start-up.
  void open_catalog(std::map<std::string, LimiterSpec> config = {{"notion", {3, 3}}}) {
    catalog.reset();
    limiters = std::make_unique<Limiters>(h.loop, h.clock, std::move(config));
    catalog = std::make_unique<LimiterCatalog>(*limiters);
    auto opened = catalog->open(*h.engine);
    ASSERT_TRUE(opened) << opened.error().to_string();
  }
  void restart(std::map<std::string, LimiterSpec> config = {{"notion", {3, 3}}}) {
    catalog.reset();
    h.reopen();
    open_catalog(std::move(config));
  }
  Result<LimiterCatalog::Changed> put(const std::string& name, LimiterSpec spec) {
    std::optional<Result<LimiterCatalog::Changed>> out;
    catalog->put(name, spec, [&](Result<LimiterCatalog::Changed> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }
  Result<LimiterView> remove(const std::string& name) {
    std::optional<Result<LimiterView>> out;
    catalog->remove(name, [&](Result<LimiterView> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }

  EngineHarness h;
  std::unique_ptr<Limiters> limiters;
  std::unique_ptr<LimiterCatalog> catalog;
};

TEST_F(LimiterCatalogTest, APutIsAnsweredOnceDurableAndComesBackAfterARestart) {
  bool answered = false;
  catalog->put("github", {5, 10}, [&](Result<LimiterCatalog::Changed> r) {
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->created);
    EXPECT_EQ(r->view.source, LimiterSource::kApi);
    answered = true;
  });
  EXPECT_FALSE(answered) << "not before the commit";
  EXPECT_FALSE(limiters->view("github")) << "applied only once durable";
  h.drain();
  EXPECT_TRUE(answered);
  auto changed = put("github", {7, 7});
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_FALSE(changed->created);
  EXPECT_EQ(changed->view.spec.rate_per_second, 7);
  restart();
  auto view = limiters->view("github");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->spec.rate_per_second, 7);
  EXPECT_EQ(view->spec.burst, 7);
  EXPECT_EQ(view->source, LimiterSource::kApi);
  EXPECT_EQ(limiters->view("notion")->source, LimiterSource::kConfig);
}

TEST_F(LimiterCatalogTest, ADeleteIsDurableAndAnUnknownNameIsNotFound) {
  ASSERT_TRUE(put("github", {5, 10}));
  auto removed = remove("github");
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_EQ(removed->name, "github");
  EXPECT_FALSE(limiters->view("github"));
  auto again = remove("github");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  restart();
  EXPECT_FALSE(limiters->view("github"));
}

TEST_F(LimiterCatalogTest, TheFilesLimitersAreNotTheApisToChange) {
  auto changed = put("notion", {1, 1});
  auto removed = remove("notion");
  for (const Error* e : {changed ? nullptr : &changed.error(), removed ? nullptr : &removed.error()}) {
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->code, ErrorCode::kConflict);
    EXPECT_NE(e->message.find("[limits.notion]"), std::string::npos) << e->message;
  }
  EXPECT_EQ(limiters->view("notion")->spec.rate_per_second, 3);
}

TEST_F(LimiterCatalogTest, BadNamesAndSpecsChangeNothing) {
  for (auto r : {put("no spaces", {1, 1}), put("ok", {0, 1}), put("ok", {1, 0}), put("", {1, 1})}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(limiters->count(LimiterSource::kApi), 0u);
}

TEST_F(LimiterCatalogTest, TheApiMakesAtMostAThousand) {
  for (size_t i = 0; i < LimiterCatalog::kMaxApiLimiters; ++i) {
    // Submitted together: the ones in flight count towards the cap too.
    catalog->put("l" + std::to_string(i), {1, 1}, [](Result<LimiterCatalog::Changed> r) { ASSERT_TRUE(r); });
  }
  auto refused = put("one-more", {1, 1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(limiters->count(LimiterSource::kApi), LimiterCatalog::kMaxApiLimiters);
  EXPECT_TRUE(put("l0", {2, 2})) << "changing one is still allowed";
  ASSERT_TRUE(remove("l0"));
  EXPECT_TRUE(put("one-more", {1, 1}));
}

TEST_F(LimiterCatalogTest, AStoredLimiterTheFileNowDeclaresIsDropped) {
  ASSERT_TRUE(put("github", {5, 10}));
  restart({{"github", {1, 1}}});
  EXPECT_EQ(limiters->view("github")->source, LimiterSource::kConfig);
  EXPECT_EQ(limiters->view("github")->spec.rate_per_second, 1);
  restart({});
  EXPECT_FALSE(limiters->view("github")) << "the stored row was deleted";
}

}  // namespace
}  // namespace sundial
