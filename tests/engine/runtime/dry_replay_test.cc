// dry_replay: a workflow's code driven against a hand-built journal with no
// side effects. Compatible code passes; reordered code fails naming the
// entry; a version branching on patched() passes on old journals.
#include "engine/runtime/dry_replay.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sundial {
namespace {

JournalEntry journal_entry(uint32_t seq, EntryKind kind, std::string name = {}) {
  JournalEntry e;
  e.seq = seq;
  e.kind = kind;
  e.name = std::move(name);
  e.at = 1000 + seq;
  return e;
}

// What "v1" (step a, sleep, step b, sleep, step c) journaled up to its
// second sleep, where the instance now waits.
DryReplayRequest waiting_in_second_sleep() {
  DryReplayRequest req;
  req.instance_id = "i1";
  req.journal = {journal_entry(0, EntryKind::kStarted),
                 journal_entry(1, EntryKind::kStepCompleted, "a"),
                 journal_entry(2, EntryKind::kTimerScheduled, "sleep"),
                 journal_entry(3, EntryKind::kTimerFired),
                 journal_entry(4, EntryKind::kStepCompleted, "b"),
                 journal_entry(5, EntryKind::kTimerScheduled, "sleep")};
  req.await_kind = AwaitKind::kSleep;
  return req;
}

struct Code {
  int steps_run = 0;
  std::vector<std::string> order;  // the step names the code asked for
  bool took_patch = false;

  SyncStepFn fn() {
    return [this](const StepInfo&) -> Result<nlohmann::json> {
      ++steps_run;
      return nlohmann::json(1);
    };
  }
};

Workflow<void> run_steps(Context& ctx, Code& code, std::vector<std::string> names) {
  for (const std::string& name : names) {
    code.order.push_back(name);
    SyncStepFn fn = code.fn();
    co_await ctx.step(name, fn);
    co_await ctx.sleep_for(kHourMs);
  }
}

WorkflowFn steps_fn(Code& code, std::vector<std::string> names) {
  return [&code, names](Context& ctx) { return run_steps(ctx, code, names); };
}

TEST(DryReplayTest, CompatibleCodeReachesTheLiveEdgeWithoutRunningAnything) {
  Code code;
  auto ok = dry_replay(steps_fn(code, {"a", "b", "c"}), waiting_in_second_sleep());
  EXPECT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(code.steps_run, 0);
  EXPECT_EQ(code.order, (std::vector<std::string>{"a", "b"}));  // stopped at the second sleep
}

TEST(DryReplayTest, ReorderedCodeFailsNamingTheEntry) {
  Code code;
  auto r = dry_replay(steps_fn(code, {"b", "a", "c"}), waiting_in_second_sleep());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNonDeterminism);
  EXPECT_NE(r.error().message.find("step \"b\" does not match journal entry #1 (step_completed \"a\")"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(code.steps_run, 0);
}

TEST(DryReplayTest, TheOriginTheCodeGaveIsNamed) {
  auto fn = [](Context& ctx) -> Workflow<void> {
    ctx.set_origin("flow.cc:7");
    co_await ctx.sleep_for(kHourMs);
  };
  auto r = dry_replay(fn, waiting_in_second_sleep());
  ASSERT_FALSE(r);
  EXPECT_EQ(
      r.error().to_string().rfind("non_determinism: flow.cc:7: sleep does not match journal entry #1", 0), 0u)
      << r.error().to_string();
}

TEST(DryReplayTest, CodeThatFinishesEarlyOrWaitsForSomethingElseFails) {
  Code code;
  auto early = dry_replay(steps_fn(code, {"a"}), waiting_in_second_sleep());
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kNonDeterminism);
  EXPECT_NE(early.error().message.find("journal entry #4 (step_completed \"b\")"), std::string::npos)
      << early.error().message;

  // At the live edge the instance waits in a sleep; code that waits for a
  // signal there would never be woken.
  auto fn = [&code](Context& ctx) -> Workflow<void> {
    SyncStepFn f = code.fn();
    co_await ctx.step("a", f);
    co_await ctx.sleep_for(kHourMs);
    co_await ctx.step("b", f);
    co_await ctx.wait_signal("go");
  };
  auto other = dry_replay(fn, waiting_in_second_sleep());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find(
                "wait for signal \"go\" does not match what instance 'i1' waits for (sleep)"),
            std::string::npos)
      << other.error().message;
}

TEST(DryReplayTest, CodeThatFinishesAtTheEndOfTheJournalPasses) {
  DryReplayRequest req;
  req.instance_id = "i1";
  req.journal = {journal_entry(0, EntryKind::kStarted), journal_entry(1, EntryKind::kStepCompleted, "a"),
                 journal_entry(2, EntryKind::kCompleted)};
  Code code;
  auto fn = [&code](Context& ctx) -> Workflow<void> {
    SyncStepFn f = code.fn();
    co_await ctx.step("a", f);
  };
  EXPECT_TRUE(dry_replay(fn, req));
}

TEST(DryReplayTest, ThrowingCodeAndABadJournalAreErrors) {
  auto throws = [](Context& ctx) -> Workflow<void> {
    co_await ctx.sleep_for(1);
    throw std::runtime_error("boom");
  };
  DryReplayRequest req = waiting_in_second_sleep();
  req.journal.resize(1);
  req.journal.push_back(journal_entry(1, EntryKind::kTimerFired));
  auto r = dry_replay(throws, req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("boom"), std::string::npos);

  DryReplayRequest empty;
  empty.instance_id = "x";
  EXPECT_EQ(dry_replay(throws, empty).error().code, ErrorCode::kInvalidArgument);
}

// v2 of the same workflow: step "b" became "b2" behind a patch.
Workflow<void> patched_v2(Context& ctx, Code& code) {
  SyncStepFn f = code.fn();
  co_await ctx.step("a", f);
  co_await ctx.sleep_for(kHourMs);
  code.took_patch = ctx.patched("rename-b");
  co_await ctx.step(code.took_patch ? "b2" : "b", f);
  co_await ctx.sleep_for(kHourMs);
  co_await ctx.step("c", f);
}

TEST(DryReplayTest, APatchedVersionPassesOnOldJournalsAndOnJournalsWithTheMarker) {
  Code code;
  WorkflowFn fn = [&code](Context& ctx) { return patched_v2(ctx, code); };
  auto old = dry_replay(fn, waiting_in_second_sleep());
  EXPECT_TRUE(old) << old.error().to_string();
  EXPECT_FALSE(code.took_patch);

  DryReplayRequest marked;
  marked.instance_id = "i2";
  marked.journal = {journal_entry(0, EntryKind::kStarted),
                    journal_entry(1, EntryKind::kStepCompleted, "a"),
                    journal_entry(2, EntryKind::kTimerScheduled, "sleep"),
                    journal_entry(3, EntryKind::kTimerFired),
                    journal_entry(4, EntryKind::kPatch, "rename-b"),
                    journal_entry(5, EntryKind::kStepCompleted, "b2")};
  marked.await_kind = AwaitKind::kNone;
  auto with_marker = dry_replay(fn, marked);
  EXPECT_TRUE(with_marker) << with_marker.error().to_string();
  EXPECT_TRUE(code.took_patch);
  EXPECT_EQ(code.steps_run, 0);

  // Without the patch, v2's rename would break the old journal.
  auto unpatched = [&code](Context& ctx) -> Workflow<void> {
    SyncStepFn f = code.fn();
    co_await ctx.step("a", f);
    co_await ctx.sleep_for(kHourMs);
    co_await ctx.step("b2", f);
  };
  EXPECT_FALSE(dry_replay(unpatched, waiting_in_second_sleep()));
}

}  // namespace
}  // namespace sundial
