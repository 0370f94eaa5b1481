// Context::patched on a real engine (RocksDB in a temp dir, ManualClock):
// a fix deployed under running instances. Instances whose history was
// written before the patch keep the old path, new instances take the new
// one, and an instance that recorded the marker takes it again after it is
// evicted and replayed.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/base/check.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;

struct Steps {
  std::vector<std::string> ran;  // "<instance>/<step>"
};

SyncStepFn logged(Steps& steps, std::string name) {
  return [&steps, name](const StepInfo& info) -> Result<nlohmann::json> {
    steps.ran.push_back(info.instance_id + "/" + name);
    return nlohmann::json(name);
  };
}

// Version 1: step "a", a day's sleep, step "b-old".
Workflow<void> before_fix(Context& ctx, Steps& steps) {
  co_await ctx.step("a", logged(steps, "a"));
  co_await ctx.sleep_for(kDayMs);
  co_await ctx.step("b-old", logged(steps, "b-old"));
  co_await ctx.sleep_for(kDayMs);
}

// Version 2 decides before the sleep whether to take the fix, and again
// (the same answer) after it.
Workflow<void> with_fix(Context& ctx, Steps& steps) {
  co_await ctx.step("a", logged(steps, "a"));
  bool fixed = ctx.patched("fix-b");
  co_await ctx.sleep_for(kDayMs);
  SUNDIAL_CHECK(ctx.patched("fix-b") == fixed);
  if (fixed) {
    co_await ctx.step("b-new", logged(steps, "b-new"));
  } else {
    co_await ctx.step("b-old", logged(steps, "b-old"));
  }
  co_await ctx.sleep_for(kDayMs);
  // A second patch that old instances reach live, after their history.
  if (ctx.patched("late")) co_await ctx.step("late", logged(steps, "late"));
}

class PatchedTest : public ::testing::Test {
 protected:
  void TearDown() override { h.close(); }

  void deploy(int v) {
    h.close();
    h.registry = Registry();
    auto added = h.registry.add(
        "w", "", [this, v](Context& ctx) { return v == 1 ? before_fix(ctx, steps) : with_fix(ctx, steps); });
    ASSERT_TRUE(added);
    h.open();
  }

  bool ran(const std::string& id, const std::string& step) {
    return std::find(steps.ran.begin(), steps.ran.end(), id + "/" + step) != steps.ran.end();
  }

  std::vector<std::string> markers(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : h.history(id)) {
      if (e.kind == EntryKind::kPatch) out.push_back(e.name);
    }
    return out;
  }

  EngineHarness h;
  Steps steps;
};

TEST_F(PatchedTest, OldHistoryKeepsTheOldPathNewInstancesTakeTheNewOne) {
  deploy(1);
  ASSERT_TRUE(h.start("w", "old"));
  deploy(2);  // the fix ships while "old" sleeps
  ASSERT_TRUE(h.start("w", "new"));
  EXPECT_EQ(markers("new"), std::vector<std::string>{"fix-b"});
  EXPECT_TRUE(markers("old").empty());

  h.reopen();  // both evicted: the next day replays them from their journals
  h.advance(kDayMs);
  EXPECT_TRUE(ran("old", "b-old"));
  EXPECT_FALSE(ran("old", "b-new"));
  EXPECT_TRUE(ran("new", "b-new"));
  EXPECT_FALSE(ran("new", "b-old"));

  h.reopen();
  h.advance(kDayMs);
  EXPECT_EQ(h.status("old"), InstanceStatus::kCompleted) << h.describe("old")->last_error;
  EXPECT_EQ(h.status("new"), InstanceStatus::kCompleted) << h.describe("new")->last_error;
  // "late" comes after everything the old instance had run: new code for
  // both, so both take it and record it.
  EXPECT_TRUE(ran("old", "late"));
  EXPECT_TRUE(ran("new", "late"));
  EXPECT_EQ(markers("old"), std::vector<std::string>{"late"});
  EXPECT_EQ(markers("new"), (std::vector<std::string>{"fix-b", "late"}));
  // Every step ran once: nothing replayed a different path.
  EXPECT_EQ(std::count(steps.ran.begin(), steps.ran.end(), "new/b-new"), 1);
  EXPECT_EQ(std::count(steps.ran.begin(), steps.ran.end(), "old/b-old"), 1);
}

TEST_F(PatchedTest, AnInstanceThatRecordedTheMarkerReplaysTrueAfterEviction) {
  deploy(2);
  ASSERT_TRUE(h.start("w", "p"));
  ASSERT_EQ(markers("p"), std::vector<std::string>{"fix-b"});
  h.reopen();
  h.advance(kDayMs);  // replayed from the journal: patched() finds its marker
  EXPECT_TRUE(ran("p", "b-new"));
  EXPECT_FALSE(ran("p", "b-old"));
  EXPECT_EQ(markers("p"), std::vector<std::string>{"fix-b"});  // not recorded twice
  EXPECT_EQ(h.status("p"), InstanceStatus::kWaiting) << h.describe("p")->last_error;
}

TEST_F(PatchedTest, APausedAndResumedInstanceKeepsItsPatchedPath) {
  deploy(2);
  ASSERT_TRUE(h.start("w", "p"));
  ASSERT_TRUE(h.pause("p"));
  h.advance(kDayMs);
  ASSERT_TRUE(h.resume("p"));
  h.reopen();
  h.advance(kDayMs);
  EXPECT_TRUE(ran("p", "b-new"));
  EXPECT_FALSE(ran("p", "b-old"));
}

}  // namespace
}  // namespace sundial
