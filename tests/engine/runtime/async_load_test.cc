// Instances that are not in memory load on the WorkPool. With a pool the
// test completes by hand: commands for one instance wait behind one load
// and apply in order; loads of different instances finish in any order
// without holding each other up; a start of an id being loaded waits in
// line; closing the engine answers whoever still waits.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/manual_work_pool.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::ManualWorkPool;
using testing::StepLog;

class AsyncLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log);
    h.manual_pool = true;
    h.open();
    ASSERT_NE(h.pool, nullptr);
    settle();
  }
  ManualWorkPool& pool() { return *h.pool; }
  // Runs commits to their end and completes whatever the pool holds.
  void settle() {
    for (int round = 0; round < 50; ++round) {
      pool().drain();
      while (h.engine->commits_in_flight() > 0) h.loop.run_once();
      h.loop.run_nowait();
      if (pool().pending() == 0 && h.engine->commits_in_flight() == 0) return;
    }
  }
  // Runs commits only: pool jobs stay pending.
  void commit_all() {
    while (h.engine->commits_in_flight() > 0) h.loop.run_once();
    for (int i = 0; i < 3; ++i) h.loop.run_nowait();
  }
  // A waiting instance that is no longer in memory.
  void start_cold(const std::string& id) {
    std::optional<Result<StartReply>> started;
    h.engine->start(StartRequest{"test.wait", id, nlohmann::json::object(), std::nullopt},
                    [&](Result<StartReply> r) { started = std::move(r); });
    settle();
    ASSERT_TRUE(started && *started);
  }
  Reply<CommandReply> record(const std::string& label) {
    return [this, label](Result<CommandReply> r) {
      answers.push_back(label + (r ? ":ok" : ":" + std::string(error_code_name(r.error().code))));
    };
  }
  std::vector<EntryKind> kinds(const std::string& id) { return h.kinds(id); }

  EngineHarness h;
  StepLog log{h.clock};
  std::vector<std::string> answers;
};

TEST_F(AsyncLoadTest, CommandsForAColdInstanceWaitBehindOneLoadAndApplyInOrder) {
  start_cold("x");
  ASSERT_EQ(h.engine->live_instances(), 0u);
  h.engine->pause("x", record("pause"));
  h.engine->signal("x", "go", nullptr, record("signal"));
  h.engine->resume("x", ResumePolicy::kFire, record("resume"));
  commit_all();
  EXPECT_EQ(pool().pending(), 1u) << "one read for the three commands";
  EXPECT_TRUE(answers.empty());
  settle();
  EXPECT_EQ(answers, (std::vector<std::string>{"pause:ok", "signal:ok", "resume:ok"}));
  // Paused first, so the signal waited in the inbox until resume.
  auto k = kinds("x");
  auto paused = std::find(k.begin(), k.end(), EntryKind::kPaused);
  ASSERT_LE(paused + 3, k.end());
  EXPECT_EQ(std::vector<EntryKind>(paused, paused + 3),
            (std::vector<EntryKind>{EntryKind::kPaused, EntryKind::kSignalReceived, EntryKind::kResumed}));
  EXPECT_EQ(log.count("x", "after-go"), 1u);
}

TEST_F(AsyncLoadTest, LoadsOfDifferentInstancesFinishInAnyOrder) {
  start_cold("x");
  start_cold("y");
  h.engine->signal("x", "note", 1, record("x"));
  h.engine->signal("y", "note", 2, record("y"));
  commit_all();
  ASSERT_EQ(pool().pending(), 2u);
  pool().complete_last();  // y's read comes back first
  commit_all();
  EXPECT_EQ(answers, std::vector<std::string>{"y:ok"}) << "y does not wait for x";
  pool().complete_first();
  commit_all();
  EXPECT_EQ(answers, (std::vector<std::string>{"y:ok", "x:ok"}));
  EXPECT_EQ(kinds("x").back(), EntryKind::kSignalReceived);
  EXPECT_EQ(kinds("y").back(), EntryKind::kSignalReceived);
}

TEST_F(AsyncLoadTest, AStartOfAnIdBeingLoadedWaitsInLineAndFindsIt) {
  start_cold("x");
  h.engine->pause("x", record("pause"));
  std::optional<Result<StartReply>> again;
  h.engine->start(StartRequest{"test.wait", "x", nlohmann::json::object(), std::nullopt},
                  [&](Result<StartReply> r) { again = std::move(r); });
  commit_all();
  EXPECT_FALSE(again) << "answered before the load it waits for";
  settle();
  ASSERT_TRUE(again && *again) << (again ? again->error().to_string() : "no answer");
  EXPECT_FALSE((*again)->created);
  EXPECT_EQ((*again)->status, InstanceStatus::kPaused);
  EXPECT_EQ(answers, std::vector<std::string>{"pause:ok"});
}

TEST_F(AsyncLoadTest, ACommandForAnUnknownIdIsNotFoundAfterItsRead) {
  h.engine->signal("nobody", "go", nullptr, record("signal"));
  commit_all();
  EXPECT_TRUE(answers.empty());
  settle();
  EXPECT_EQ(answers, std::vector<std::string>{"signal:not_found"});
  EXPECT_EQ(h.engine->live_instances(), 0u);
}

TEST_F(AsyncLoadTest, ClosingTheEngineAnswersCommandsThatWaitForALoad) {
  start_cold("x");
  h.engine->signal("x", "go", nullptr, record("signal"));
  commit_all();
  ASSERT_EQ(pool().pending(), 1u);
  h.engine.reset();  // the pending read is dropped (with the pool), its waiter answered
  h.pool = nullptr;
  h.loop.run_nowait();
  EXPECT_EQ(answers, std::vector<std::string>{"signal:unavailable"});
}

}  // namespace
}  // namespace sundial
