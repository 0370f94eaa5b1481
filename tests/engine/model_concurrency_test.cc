// The `concurrency` object of a start: what parses, and what each bad
// field is answered with.
#include "engine/model/concurrency.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(ConcurrencySpecTest, ParsesEveryFieldWithDefaults) {
  auto spec = parse_concurrency({{"key", "assignee:42"}});
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->key, "assignee:42");
  EXPECT_EQ(spec->limit, 1u);
  EXPECT_EQ(spec->on_busy, OnBusy::kQueue);
  auto full = parse_concurrency({{"key", "k"}, {"limit", 3}, {"on_busy", "coalesce"}, {"merge", "list"}});
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->limit, 3u);
  EXPECT_EQ(full->on_busy, OnBusy::kCoalesce);
  EXPECT_EQ(full->merge, CoalesceMerge::kList);
  auto back = parse_concurrency(to_json(*full));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(*full));
}

TEST(ConcurrencySpecTest, ADebounceTakesDurationsAndAMerge) {
  auto spec = parse_concurrency({{"key", "k"}, {"debounce", "5s"}, {"max_wait", "1m"}, {"merge", "list"}});
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->debounce_ms, 5000);
  EXPECT_EQ(spec->max_wait_ms, 60000);
  EXPECT_EQ(spec->merge, CoalesceMerge::kList);
  EXPECT_TRUE(spec->folds_starts());
  EXPECT_EQ(to_json(*spec), (nlohmann::json{{"key", "k"},
                                            {"limit", 1},
                                            {"on_busy", "queue"},
                                            {"merge", "list"},
                                            {"debounce", "5s"},
                                            {"max_wait", "1m"}}));
  // Each start moves the run 5 s past itself, never past 1 min after the first.
  EXPECT_EQ(spec->debounce_due(1000, 1000), 6000);
  EXPECT_EQ(spec->debounce_due(1000, 50000), 55000);
  EXPECT_EQ(spec->debounce_due(1000, 59000), 61000);
  spec->max_wait_ms = 0;
  EXPECT_EQ(spec->debounce_due(1000, 59000), 64000);
}

TEST(ConcurrencySpecTest, RefusesWhatIsOutOfBoundsNamingTheField) {
  struct Case {
    nlohmann::json value;
    std::string names;
  };
  std::vector<Case> cases = {
      {nlohmann::json::array(), "'concurrency' must be an object"},
      {{{"limit", 1}}, "'concurrency.key' is required"},
      {{{"key", ""}}, "'concurrency.key' must hold 1 to 256 bytes"},
      {{{"key", std::string(257, 'k')}}, "'concurrency.key' must hold 1 to 256 bytes"},
      {{{"key", 42}}, "'concurrency.key' must be a string"},
      {{{"key", std::string("a\0b", 3)}}, "control characters"},
      {{{"key", "k"}, {"limit", 0}}, "'concurrency.limit'"},
      {{{"key", "k"}, {"limit", 10001}}, "'concurrency.limit'"},
      {{{"key", "k"}, {"limit", 1.5}}, "'concurrency.limit'"},
      {{{"key", "k"}, {"on_busy", "wait"}}, "'concurrency.on_busy'"},
      {{{"key", "k"}, {"merge", "list"}}, "only with \"on_busy\": \"coalesce\" or a \"debounce\""},
      {{{"key", "k"}, {"on_busy", "coalesce"}, {"merge", "all"}}, "'concurrency.merge'"},
      {{{"key", "k"}, {"wait", "5s"}}, "unknown field 'concurrency.wait'"},
      {{{"key", "k"}, {"debounce", 5000}}, "'concurrency.debounce' must be a duration from 1ms to 7d"},
      {{{"key", "k"}, {"debounce", "0s"}}, "'concurrency.debounce' must be a duration"},
      {{{"key", "k"}, {"debounce", "8d"}}, "'concurrency.debounce' must be a duration"},
      {{{"key", "k"}, {"debounce", "soon"}}, "'concurrency.debounce' must be a duration"},
      {{{"key", "k"}, {"debounce", "5s"}, {"on_busy", "drop"}}, "works with \"on_busy\": \"queue\" only"},
      {{{"key", "k"}, {"debounce", "5s"}, {"on_busy", "coalesce"}}, "works with \"on_busy\": \"queue\" only"},
      {{{"key", "k"}, {"max_wait", "1m"}}, "caps a debounce"},
      {{{"key", "k"}, {"debounce", "5s"}, {"max_wait", "2s"}}, "at least 'concurrency.debounce'"},
      {{{"key", "k"}, {"debounce", "5s"}, {"max_wait", "31d"}}, "'concurrency.max_wait' must be a duration"},
  };
  for (const Case& c : cases) {
    auto spec = parse_concurrency(c.value);
    ASSERT_FALSE(spec) << c.value.dump();
    EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(spec.error().message.find(c.names), std::string::npos) << spec.error().message;
  }
  std::string bad_utf8 = "k\xff";
  EXPECT_FALSE(parse_concurrency({{"key", bad_utf8}}));
}

}  // namespace
}  // namespace sundial
