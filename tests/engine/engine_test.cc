// Engine behaviour through its public API, on real RocksDB in a temp dir and
// a ManualClock: commands, replay, timers, pause/resume, retries, restarts.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/loop/timer.h"

#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::StepLog;

nlohmann::json offsets(std::vector<DurationMs> ms) { return {{"offsets_ms", ms}}; }

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log, &version);
    h.open();
  }
  std::vector<EntryKind> kinds(const std::string& id) { return h.kinds(id); }

  EngineHarness h;
  StepLog log{h.clock};
  int version = 1;
};

TEST_F(EngineTest, StartRunsTheWorkflowToCompletion) {
  auto started = h.start("test.sequence", "s1", offsets({0, 1000}));
  ASSERT_TRUE(started) << started.error().to_string();
  EXPECT_TRUE(started->created);
  EXPECT_EQ(started->instance_id, "s1");
  EXPECT_EQ(log.count("s1", "send-1"), 1u);
  EXPECT_EQ(h.status("s1"), InstanceStatus::kWaiting);
  h.advance(1000);
  EXPECT_EQ(log.count("s1", "send-2"), 1u);
  EXPECT_EQ(h.status("s1"), InstanceStatus::kCompleted);
  EXPECT_EQ(kinds("s1").back(), EntryKind::kCompleted);
}

TEST_F(EngineTest, StartingAnExistingIdReturnsThatInstance) {
  ASSERT_TRUE(h.start("test.sequence", "dup", offsets({kHourMs})));
  auto again = h.start("test.sequence", "dup", offsets({0}));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->instance_id, "dup");
  EXPECT_EQ(again->status, InstanceStatus::kWaiting);
  EXPECT_EQ(log.runs.size(), 0u);  // the second input never ran
}

TEST_F(EngineTest, TwoStartsOfOneIdInOneTurnCreateOneInstance) {
  std::vector<Result<StartReply>> replies;
  for (int i = 0; i < 2; ++i) {
    h.engine->start(StartRequest{"test.sequence", "same-turn", offsets({kHourMs}), {}},
                    [&](Result<StartReply> r) { replies.push_back(std::move(r)); });
  }
  h.drain();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(replies[0]->created);
  EXPECT_FALSE(replies[1]->created);
}

TEST_F(EngineTest, IdempotencyKeyReturnsTheFirstResultWithinItsWindow) {
  auto first = h.start("test.sequence", std::nullopt, offsets({kHourMs}), "signup-42");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instance_id.size(), 32u);  // generated
  auto repeat = h.start("test.sequence", std::nullopt, offsets({kHourMs}), "signup-42");
  ASSERT_TRUE(repeat);
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->instance_id, first->instance_id);
  h.reopen();
  repeat = h.start("test.sequence", std::nullopt, offsets({kHourMs}), "signup-42");
  EXPECT_EQ(repeat->instance_id, first->instance_id);
  h.clock.advance(24 * kHourMs + 1);  // the default window has passed
  auto fresh = h.start("test.sequence", std::nullopt, offsets({kHourMs}), "signup-42");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->created);
  EXPECT_NE(fresh->instance_id, first->instance_id);
}

TEST_F(EngineTest, RejectsUnknownTypesAndBadIds) {
  auto unknown = h.start("no.such.type", "x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("test.sequence"), std::string::npos);
  auto bad = h.start("test.sequence", "bad id");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(h.describe("bad id").error().code, ErrorCode::kNotFound);
}

TEST_F(EngineTest, SignalSentBeforeTheWaitIsNotLost) {
  // The workflow sleeps first, so the signal arrives before it waits.
  ASSERT_TRUE(h.start("test.sequence", "early", offsets({kHourMs, 2 * kHourMs})));
  ASSERT_TRUE(h.signal("early", "booked", {{"when", "tomorrow"}}));
  h.advance(kHourMs);
  EXPECT_EQ(log.count("early", "send-1"), 0u);  // stopped early on "booked"
  EXPECT_EQ(h.status("early"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, RepeatedSignalWithAnIdempotencyKeyIsJournaledOnce) {
  ASSERT_TRUE(h.start("test.wait", "dedupe", {{"sleep_ms", kHourMs}}));
  ASSERT_TRUE(h.signal("dedupe", "go", {{"n", 1}}, "delivery-1"));
  h.reopen();  // the key is durable
  auto repeat = h.signal("dedupe", "go", {{"n", 2}}, "delivery-1");
  ASSERT_TRUE(repeat) << repeat.error().to_string();
  EXPECT_EQ(repeat->status, InstanceStatus::kWaiting);
  ASSERT_TRUE(h.signal("dedupe", "go", {{"n", 3}}, "delivery-2"));  // another key is another signal
  size_t received = 0;
  for (const auto& e : h.history("dedupe")) received += e.kind == EntryKind::kSignalReceived;
  EXPECT_EQ(received, 2u);
  h.advance(kHourMs);
  EXPECT_EQ(h.status("dedupe"), InstanceStatus::kCompleted);
  // A redelivery after the instance finished is still answered, not a conflict.
  auto late = h.signal("dedupe", "go", {{"n", 1}}, "delivery-1");
  ASSERT_TRUE(late) << late.error().to_string();
  EXPECT_EQ(late->status, InstanceStatus::kCompleted);
}

TEST_F(EngineTest, SignalInTheInboxIsDeliveredToALaterWait) {
  ASSERT_TRUE(h.start("test.wait", "inbox", {{"sleep_ms", kHourMs}, {"timeout_ms", kMinuteMs}}));
  ASSERT_TRUE(h.signal("inbox", "go", {{"n", 1}}));  // while it sleeps
  EXPECT_EQ(log.count("inbox", "after-go"), 0u);
  h.reopen();  // the inbox is durable
  h.advance(kHourMs);
  EXPECT_EQ(log.count("inbox", "after-go"), 1u);
  EXPECT_EQ(log.count("inbox", "after-timeout"), 0u);
  EXPECT_EQ(h.status("inbox"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, WaitEndsOnSignalOrTimeout) {
  ASSERT_TRUE(h.start("test.wait", "sig", {{"timeout_ms", kHourMs}}));
  ASSERT_TRUE(h.start("test.wait", "late", {{"timeout_ms", kHourMs}}));
  EXPECT_EQ(h.status("sig"), InstanceStatus::kWaiting);
  ASSERT_TRUE(h.signal("sig", "stop", {{"why", "done"}}));
  EXPECT_EQ(log.count("sig", "after-stop"), 1u);
  h.advance(kHourMs);
  EXPECT_EQ(log.count("late", "after-timeout"), 1u);
  // The timeout timer of "sig" was removed with its wait: nothing else ran.
  EXPECT_EQ(log.runs.size(), 2u);
  auto timers = h.timers(0, 10);
  ASSERT_TRUE(timers);
  EXPECT_TRUE(timers->empty());
}

TEST_F(EngineTest, SignalToAFinishedInstanceIsAConflict) {
  ASSERT_TRUE(h.start("test.sequence", "done", offsets({0})));
  auto r = h.signal("done", "booked");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(h.signal("missing", "booked").error().code, ErrorCode::kNotFound);
}

TEST_F(EngineTest, PauseAndResumeWithShiftMovesTheRemainingSchedule) {
  ASSERT_TRUE(h.start("test.sequence", "p", offsets({0, kHourMs, 3 * kHourMs})));
  EXPECT_EQ(log.count("p", "send-1"), 1u);
  h.advance(10 * kMinuteMs);
  ASSERT_EQ(h.pause("p")->status, InstanceStatus::kPaused);
  h.advance(2 * kHourMs);  // send-2 would have been due meanwhile
  EXPECT_EQ(log.count("p", "send-2"), 0u);
  ASSERT_TRUE(h.resume("p", ResumePolicy::kShift));
  h.advance(49 * kMinuteMs);  // 1h after the start plus 2h paused, minus 1 min
  EXPECT_EQ(log.count("p", "send-2"), 0u);
  h.advance(kMinuteMs);
  ASSERT_EQ(log.count("p", "send-2"), 1u);
  EXPECT_EQ(log.runs.back().at, h.clock.now_ms());
  // The later absolute sleep moves by the same two hours.
  TimeMs start = log.runs.front().at;
  h.advance(2 * kHourMs - kMinuteMs);
  EXPECT_EQ(log.count("p", "send-3"), 0u);
  h.advance(kMinuteMs);
  ASSERT_EQ(log.count("p", "send-3"), 1u);
  EXPECT_EQ(log.runs.back().at, start + 3 * kHourMs + 2 * kHourMs);
}

TEST_F(EngineTest, ResumeWithFireRunsWhatCameDueAtOnce) {
  ASSERT_TRUE(h.start("test.sequence", "f", offsets({kHourMs, 2 * kHourMs})));
  ASSERT_TRUE(h.pause("f"));
  h.advance(90 * kMinuteMs);
  EXPECT_EQ(log.count("f", "send-1"), 0u);
  ASSERT_TRUE(h.resume("f", ResumePolicy::kFire));
  h.fire_timers();
  EXPECT_EQ(log.count("f", "send-1"), 1u);
  EXPECT_EQ(log.count("f", "send-2"), 0u);
  h.advance(30 * kMinuteMs);  // the original schedule
  EXPECT_EQ(log.count("f", "send-2"), 1u);
}

TEST_F(EngineTest, PauseSurvivesARestartAndResumeIsAConflictUnlessPaused) {
  ASSERT_TRUE(h.start("test.sequence", "pr", offsets({kHourMs})));
  ASSERT_TRUE(h.pause("pr"));
  EXPECT_TRUE(h.pause("pr"));  // pausing twice changes nothing
  h.reopen();
  h.advance(2 * kHourMs);
  EXPECT_EQ(log.count("pr", "send-1"), 0u);
  EXPECT_EQ(h.status("pr"), InstanceStatus::kPaused);
  ASSERT_TRUE(h.resume("pr", ResumePolicy::kFire));
  h.fire_timers();
  EXPECT_EQ(log.count("pr", "send-1"), 1u);
  auto again = h.resume("pr");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_F(EngineTest, SignalWhilePausedIsDeliveredOnResume) {
  ASSERT_TRUE(h.start("test.wait", "pw", nlohmann::json::object()));
  ASSERT_TRUE(h.pause("pw"));
  ASSERT_TRUE(h.signal("pw", "go"));
  EXPECT_EQ(log.count("pw", "after-go"), 0u);
  ASSERT_TRUE(h.resume("pw"));
  EXPECT_EQ(log.count("pw", "after-go"), 1u);
  h.reopen();  // and the replay agrees with what happened
  EXPECT_EQ(h.status("pw"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, ResumeNeverRedeliversASignalTheWorkflowAlreadyTook) {
  ASSERT_TRUE(h.start("test.approve_twice", "a2", {{"sleep_ms", kMinuteMs}}));
  ASSERT_TRUE(h.signal("a2", "approve", {{"by", "ann"}}));  // waits in the inbox
  h.advance(kMinuteMs);
  ASSERT_EQ(log.count("a2", "approved-1-by-ann"), 1u);
  ASSERT_TRUE(h.pause("a2"));  // evicted while paused; reloaded by resume
  ASSERT_TRUE(h.resume("a2"));
  EXPECT_EQ(log.runs.size(), 1u) << "the second wait took the first approval again";
  EXPECT_EQ(h.status("a2"), InstanceStatus::kWaiting);
  ASSERT_TRUE(h.signal("a2", "approve", {{"by", "bob"}}));
  EXPECT_EQ(log.count("a2", "approved-2-by-bob"), 1u);
  EXPECT_EQ(h.status("a2"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, ShiftAlsoMovesTheSleepAfterAStepThatFinishedWhilePaused) {
  ASSERT_TRUE(h.start("test.held_then_sleep", "hs"));
  ASSERT_EQ(log.held.size(), 1u);
  ASSERT_TRUE(h.pause("hs"));
  h.advance(2 * kHourMs);
  log.held[0](nlohmann::json("done"));  // the step finishes while paused
  h.drain();
  ASSERT_TRUE(h.resume("hs", ResumePolicy::kShift));
  h.fire_timers();
  EXPECT_EQ(log.count("hs", "after"), 0u) << "the sleep did not move with the pause";
  h.advance(kHourMs - 1);
  EXPECT_EQ(log.count("hs", "after"), 0u);
  h.advance(1);
  ASSERT_EQ(log.count("hs", "after"), 1u);
  h.reopen();  // and the replay agrees with what happened
  EXPECT_EQ(h.status("hs"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, WaitUntilEndsAtItsDeadlineOrOnASignalAndMovesWithAPause) {
  ASSERT_TRUE(h.start("test.wait_until", "deadline"));
  ASSERT_TRUE(h.start("test.wait_until", "signalled"));
  ASSERT_TRUE(h.start("test.wait_until", "paused"));
  h.advance(10 * kMinuteMs);
  ASSERT_TRUE(h.signal("signalled", "stop"));
  EXPECT_EQ(log.count("signalled", "after-stop"), 1u);
  ASSERT_TRUE(h.pause("paused"));
  h.advance(2 * kHourMs);
  ASSERT_EQ(log.count("deadline", "after-deadline"), 1u);
  EXPECT_EQ(log.count("paused", "after-deadline"), 0u);
  ASSERT_TRUE(h.resume("paused", ResumePolicy::kShift));
  h.advance(50 * kMinuteMs - 1);  // deadline: start + 1h + 2h paused
  EXPECT_EQ(log.count("paused", "after-deadline"), 0u);
  h.advance(1);
  EXPECT_EQ(log.count("paused", "after-deadline"), 1u);
  h.reopen();
  for (const char* id : {"deadline", "signalled", "paused"})
    EXPECT_EQ(h.status(id), InstanceStatus::kCompleted) << id;
}

TEST_F(EngineTest, CancelStopsTheInstanceWithItsReason) {
  ASSERT_TRUE(h.start("test.sequence", "c", offsets({0, kHourMs})));
  auto r = h.cancel("c", "lead unsubscribed");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, InstanceStatus::kCancelled);
  h.advance(2 * kHourMs);
  EXPECT_EQ(log.count("c", "send-2"), 0u);
  auto d = h.describe("c");
  EXPECT_EQ(d->cancel_reason, "lead unsubscribed");
  EXPECT_TRUE(h.cancel("c"));  // again: no change
  EXPECT_TRUE(h.timers(0, 10)->empty());
}

TEST_F(EngineTest, StepRetriesWithBackoffThenSucceeds) {
  log.failures["call"] = {2, ErrorCode::kUnavailable};
  ASSERT_TRUE(h.start("test.flaky", "r1", nlohmann::json::object()));
  EXPECT_EQ(log.count("r1", "call"), 1u);
  EXPECT_EQ(h.status("r1"), InstanceStatus::kRunning);
  h.advance(999);
  EXPECT_EQ(log.count("r1", "call"), 1u);  // backoff 1s
  h.advance(1);
  EXPECT_EQ(log.count("r1", "call"), 2u);
  h.advance(2000);  // backoff 2s
  EXPECT_EQ(log.count("r1", "call"), 3u);
  EXPECT_EQ(h.status("r1"), InstanceStatus::kCompleted);
  int failed_attempts = 0;
  for (const auto& e : h.history("r1")) failed_attempts += e.kind == EntryKind::kStepAttemptFailed;
  EXPECT_EQ(failed_attempts, 2);
}

TEST_F(EngineTest, PermanentErrorFailsAndRetryResumesAtTheFailedStep) {
  log.failures["send-2"] = {1, ErrorCode::kInvalidArgument};
  ASSERT_TRUE(h.start("test.sequence", "rf", offsets({0, 0, 0})));
  EXPECT_EQ(h.status("rf"), InstanceStatus::kFailed);
  auto d = h.describe("rf");
  EXPECT_NE(d->last_error.find("send-2"), std::string::npos);
  EXPECT_EQ(log.count("rf", "send-2"), 1u);  // not retried: permanent
  log.failures.clear();
  h.reopen();
  ASSERT_TRUE(h.retry("rf"));
  EXPECT_EQ(h.status("rf"), InstanceStatus::kCompleted);
  EXPECT_EQ(log.count("rf", "send-1"), 1u);  // never again
  EXPECT_EQ(log.count("rf", "send-2"), 2u);
  EXPECT_EQ(log.count("rf", "send-3"), 1u);
  EXPECT_EQ(h.retry("rf").error().code, ErrorCode::kConflict);
}

// A nurture whose second email failed for good is retried three hours
// late: with shift the third email keeps its spacing after the second
// instead of going out at once; with fire it goes out at once.
TEST_F(EngineTest, RetryShiftsTheRestOfTheScheduleByTheTimeSpentFailed) {
  for (ResumePolicy policy : {ResumePolicy::kShift, ResumePolicy::kFire}) {
    std::string id = std::string("late-") + std::string(resume_policy_name(policy));
    log.failures["send-2"] = {1, ErrorCode::kInvalidArgument};
    ASSERT_TRUE(h.start("test.sequence", id, offsets({0, kHourMs, 2 * kHourMs})));
    h.advance(kHourMs);
    ASSERT_EQ(h.status(id), InstanceStatus::kFailed);
    log.failures.clear();
    h.advance(3 * kHourMs);  // nobody looked for three hours
    ASSERT_TRUE(h.retry(id, policy));
    EXPECT_EQ(log.count(id, "send-2"), 2u);
    if (policy == ResumePolicy::kFire) {
      EXPECT_EQ(log.count(id, "send-3"), 1u);  // overdue: at once
      continue;
    }
    EXPECT_EQ(log.count(id, "send-3"), 0u);
    h.advance(kHourMs - 1);
    EXPECT_EQ(log.count(id, "send-3"), 0u);
    h.reopen();  // the shift is in the journal, not in memory
    h.advance(1);
    EXPECT_EQ(log.count(id, "send-3"), 1u);
    EXPECT_EQ(h.status(id), InstanceStatus::kCompleted);
  }
}

TEST_F(EngineTest, SkipCompletesTheFailedStepAndTheWorkflowGoesOn) {
  log.failures["send-2"] = {1, ErrorCode::kInvalidArgument};
  ASSERT_TRUE(h.start("test.sequence", "sk", offsets({0, 0, 0})));
  ASSERT_EQ(h.status("sk"), InstanceStatus::kFailed);
  ASSERT_TRUE(h.skip("sk", SkipCommand{nullptr, "address bounces"}));
  EXPECT_EQ(h.status("sk"), InstanceStatus::kCompleted);
  EXPECT_EQ(log.count("sk", "send-2"), 1u);  // skipped, not run again
  EXPECT_EQ(log.count("sk", "send-3"), 1u);
  bool skipped = false;
  for (const auto& e : h.history("sk")) {
    if (e.kind == EntryKind::kStepSkipped) {
      skipped = true;
      EXPECT_EQ(e.name, "send-2");
      EXPECT_EQ(e.error, "address bounces");
    }
  }
  EXPECT_TRUE(skipped);
  h.reopen();  // replays through the skipped step
  EXPECT_EQ(h.describe("sk")->status, InstanceStatus::kCompleted);
  EXPECT_EQ(h.skip("sk").error().code, ErrorCode::kConflict);  // completed now
}

TEST_F(EngineTest, SkipRefusesAnInstanceWhoseOwnCodeFailed) {
  ASSERT_TRUE(h.start("test.throwing_body", "tb", nlohmann::json::object()));
  ASSERT_EQ(h.status("tb"), InstanceStatus::kFailed);
  auto skipped = h.skip("tb");
  ASSERT_FALSE(skipped.has_value());
  EXPECT_EQ(skipped.error().code, ErrorCode::kConflict);
  EXPECT_EQ(h.status("tb"), InstanceStatus::kFailed);
}

TEST_F(EngineTest, StepGivesUpAfterMaxAttempts) {
  log.failures["call"] = {10, ErrorCode::kIoError};
  ASSERT_TRUE(h.start("test.flaky", "gu", nlohmann::json::object()));
  h.advance(1000);
  h.advance(2000);
  h.advance(4000);
  EXPECT_EQ(log.count("gu", "call"), 3u);
  EXPECT_EQ(h.status("gu"), InstanceStatus::kFailed);
}

TEST_F(EngineTest, ChangedWorkflowCodeIsReportedAsNonDeterminism) {
  ASSERT_TRUE(h.start("test.versioned", "nd", nlohmann::json::object()));
  EXPECT_EQ(log.count("nd", "v1-a"), 1u);
  version = 2;  // a deploy renamed the step while the instance slept
  h.reopen();
  h.advance(kHourMs);
  EXPECT_EQ(h.status("nd"), InstanceStatus::kFailed);
  auto d = h.describe("nd");
  EXPECT_NE(d->last_error.find("non_determinism"), std::string::npos) << d->last_error;
  EXPECT_NE(d->last_error.find("v2-a"), std::string::npos) << d->last_error;
  EXPECT_EQ(log.count("nd", "b"), 0u);
  version = 1;  // rolled back: retry replays cleanly
  ASSERT_TRUE(h.retry("nd"));
  EXPECT_EQ(log.count("nd", "v1-a"), 1u);
  EXPECT_EQ(log.count("nd", "b"), 1u);
}

TEST_F(EngineTest, RandomnessReplaysIdenticallyAfterARestart) {
  ASSERT_TRUE(h.start("test.random", "rnd", nlohmann::json::object()));
  h.reopen();
  h.advance(kMinuteMs);
  ASSERT_EQ(log.runs.size(), 1u);
  auto history = h.history("rnd");
  std::string journaled;
  for (const auto& e : history) {
    if (e.kind == EntryKind::kStepCompleted) journaled = e.data.get<std::string>();
  }
  EXPECT_EQ(journaled, log.runs[0].step);  // the uuid drawn before the restart
}

TEST_F(EngineTest, TimersThatCameDueWhileDownFireAtStartUp) {
  ASSERT_TRUE(h.start("test.sequence", "down", offsets({kHourMs})));
  h.close();
  h.clock.advance(5 * kHourMs);
  h.open();
  h.fire_timers();
  EXPECT_EQ(log.count("down", "send-1"), 1u);
}

TEST_F(EngineTest, ListsByStatusAndTypeWithPagination) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(h.start("test.sequence", "l" + std::to_string(i), offsets({kHourMs})));
    h.clock.advance(1);
  }
  ASSERT_TRUE(h.start("test.wait", "other", nlohmann::json::object()));
  ASSERT_TRUE(h.cancel("l3"));
  ListQuery q;
  q.status = InstanceStatus::kWaiting;
  q.type = "test.sequence";
  q.limit = 4;
  auto page1 = h.list(q);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->instances.size(), 4u);
  EXPECT_EQ(page1->instances[0].id, "l0");
  ASSERT_FALSE(page1->next_cursor.empty());
  q.cursor = page1->next_cursor;
  auto page2 = h.list(q);
  ASSERT_EQ(page2->instances.size(), 2u);
  EXPECT_EQ(page2->instances[1].id, "l6");
  EXPECT_TRUE(page2->next_cursor.empty());
  ListQuery by_status{.status = InstanceStatus::kWaiting, .limit = 100};
  EXPECT_EQ(h.list(by_status)->instances.size(), 7u);  // 6 + "other"
  ListQuery cancelled{.status = InstanceStatus::kCancelled};
  EXPECT_EQ(h.list(cancelled)->instances.at(0).id, "l3");
  ListQuery all{.limit = 1000};
  EXPECT_EQ(h.list(all)->instances.size(), 8u);
  ListQuery bad{.status = InstanceStatus::kWaiting, .cursor = "zz"};
  EXPECT_EQ(h.list(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EngineTest, ListsByIdPrefixCreationTimeAndNewestFirst) {
  TimeMs first = h.clock.now_ms();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(h.start("test.sequence", (i % 2 ? "odd-" : "even-") + std::to_string(i), offsets({kHourMs})));
    h.clock.advance(10);
  }
  auto ids = [&](ListQuery q) {
    std::vector<std::string> out;
    for (;;) {
      auto page = h.list(q);
      EXPECT_TRUE(page);
      if (!page) return out;
      for (const auto& r : page->instances) out.push_back(r.id);
      if (page->next_cursor.empty()) return out;
      q.cursor = page->next_cursor;
    }
  };
  using Ids = std::vector<std::string>;
  // By id (no status or type): the prefix narrows the range, both ways.
  EXPECT_EQ(ids({.id_prefix = "odd-", .limit = 1}), (Ids{"odd-1", "odd-3", "odd-5"}));
  EXPECT_EQ(ids({.id_prefix = "odd-", .newest_first = true, .limit = 2}), (Ids{"odd-5", "odd-3", "odd-1"}));
  // Within a status: the prefix filters, creation time narrows, newest first pages back.
  ListQuery waiting{.status = InstanceStatus::kWaiting, .id_prefix = "even-", .limit = 1};
  EXPECT_EQ(ids(waiting), (Ids{"even-0", "even-2", "even-4"}));
  waiting.newest_first = true;
  EXPECT_EQ(ids(waiting), (Ids{"even-4", "even-2", "even-0"}));
  ListQuery window{.type = "test.sequence", .created_after = first + 10, .created_before = first + 40, .limit = 2};
  EXPECT_EQ(ids(window), (Ids{"even-2", "odd-3"}));
  window.newest_first = true;
  EXPECT_EQ(ids(window), (Ids{"odd-3", "even-2"}));
  // A page that reads its share of keys ends early, with a cursor to go on.
  ListQuery capped{.status = InstanceStatus::kWaiting, .id_prefix = "odd-", .limit = 10, .max_scanned = 2};
  auto short_page = h.list(capped);
  ASSERT_TRUE(short_page);
  EXPECT_EQ(short_page->instances.size(), 1u);  // even-0 and odd-1 read
  EXPECT_FALSE(short_page->next_cursor.empty());
  EXPECT_EQ(ids(capped), (Ids{"odd-1", "odd-3", "odd-5"}));
  capped.newest_first = true;
  EXPECT_EQ(ids(capped), (Ids{"odd-5", "odd-3", "odd-1"}));
  // Creation time without a status or type reads the records.
  EXPECT_EQ(ids({.created_after = first + 35, .limit = 10}), (Ids{"even-4", "odd-5"}));
  // Counts by type and status in one walk.
  ASSERT_TRUE(h.cancel("odd-1"));
  auto stats = h.query<InstanceStats>([&](auto done) {
    h.engine->read<InstanceStats>([](Store& s) { return instance_stats(s); }, std::move(done));
  });
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->by_type.size(), 1u);
  EXPECT_EQ(stats->by_type[0].first, "test.sequence");
  using Counts = std::vector<std::pair<InstanceStatus, uint64_t>>;
  EXPECT_EQ(stats->by_type[0].second, (Counts{{InstanceStatus::kWaiting, 5}, {InstanceStatus::kCancelled, 1}}));
  EXPECT_EQ(stats->by_status[2], (std::pair{InstanceStatus::kWaiting, uint64_t{5}}));
}

TEST_F(EngineTest, EventsReachSubscribersAfterCommitAndTheLog) {
  std::vector<EngineEvent> seen;
  h.engine->events().subscribe([&](const EngineEvent& ev) { seen.push_back(ev); });
  ASSERT_TRUE(h.start("test.sequence", "ev", offsets({0})));
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front().type, EventType::kInstanceStarted);
  EXPECT_EQ(seen.back().type, EventType::kCompleted);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i].seq, seen[i - 1].seq + 1);
  auto stored = h.engine->events().read_since(seen.front().seq - 1, 100);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), seen.size());
  EXPECT_EQ((*stored)[1].type, seen[1].type);
  uint64_t last = h.engine->events().last_seq();
  h.reopen();
  EXPECT_EQ(h.engine->events().last_seq(), last);
}

TEST_F(EngineTest, RetentionSweepDeletesFinishedInstancesAndExpiredKeys) {
  h.close();
  h.options.retention.retention = kDayMs;
  h.open();
  ASSERT_TRUE(h.start("test.sequence", "old", offsets({0}), "key-old"));
  ASSERT_TRUE(h.start("test.sequence", "running", offsets({10 * kDayMs})));
  h.clock.advance(kDayMs + 1);
  SweepResult swept = h.sweep();
  EXPECT_EQ(swept.instances_deleted, 1u);
  EXPECT_EQ(swept.keys_deleted, 1u);
  EXPECT_EQ(h.describe("old").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.read_history("old").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.status("running"), InstanceStatus::kWaiting);
  ListQuery completed{.status = InstanceStatus::kCompleted};
  EXPECT_TRUE(h.list(completed)->instances.empty());
}

TEST_F(EngineTest, ACommandDuringARetentionDeleteFindsNothingAndLeavesNoOrphan) {
  h.close();
  h.options.retention.retention = kDayMs;
  h.open_faulty();
  log.failures["call"] = {1, ErrorCode::kInvalidArgument};  // fails for good
  ASSERT_TRUE(h.start("test.flaky", "gone"));
  ASSERT_EQ(h.status("gone"), InstanceStatus::kFailed);
  h.clock.advance(kDayMs + 1);
  h.faulty->hold_writes();
  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  for (int i = 0; i < 100 && h.engine->commits_in_flight() == 0; ++i) h.loop.run_once();
  ASSERT_EQ(h.engine->commits_in_flight(), 1u) << "the sweep's delete is not in flight";
  // A retry while the delete is committing must not read the old record.
  std::optional<Result<CommandReply>> retried;
  h.engine->retry("gone", ResumePolicy::kShift, [&](Result<CommandReply> r) { retried = std::move(r); });
  // ...and a start may reuse the id: it is written after the delete.
  std::optional<Result<StartReply>> restarted;
  h.engine->start(StartRequest{"test.sequence", "gone", offsets({kHourMs}), std::nullopt},
                  [&](Result<StartReply> r) { restarted = std::move(r); });
  h.faulty->release_writes();
  h.drain();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->instances_deleted, 1u);
  ASSERT_TRUE(retried);
  ASSERT_FALSE(*retried);
  EXPECT_EQ(retried->error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(restarted && *restarted) << (restarted ? restarted->error().to_string() : "no answer");
  EXPECT_TRUE((*restarted)->created);
  // The new instance is whole: its journal starts at 0 and it survives a reopen.
  h.close();
  h.open();
  EXPECT_EQ(h.status("gone"), InstanceStatus::kWaiting);
  auto journal = h.history("gone");
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(journal.front().kind, EntryKind::kStarted);
  EXPECT_EQ(journal.front().data, offsets({kHourMs}));
}

TEST_F(EngineTest, InstancesWithANearTimerStayWarmUpToTheCap) {
  h.close();
  h.options.warm.horizon = kMinuteMs;
  h.options.warm.max_instances = 5;
  h.open();
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(h.start("test.sequence", "w" + std::to_string(i), offsets({30 * kSecondMs})));
  ASSERT_TRUE(h.start("test.sequence", "far", offsets({kHourMs})));
  EXPECT_EQ(h.engine->live_instances(), 5u) << "warm instances beyond the cap were kept";
  h.advance(30 * kSecondMs);  // warm or cold, every timer fires and every step runs once
  EXPECT_EQ(log.runs.size(), 8u);
  EXPECT_EQ(h.engine->live_instances(), 0u) << "finished instances leave memory";
  h.advance(kHourMs);
  EXPECT_EQ(log.count("far", "send-1"), 1u);
}

TEST_F(EngineTest, ATimerWhoseInstanceCannotBeReadIsTriedAgain) {
  h.close();
  h.open_faulty();
  ASSERT_TRUE(h.start("test.sequence", "io", offsets({kHourMs})));
  ASSERT_EQ(h.engine->live_instances(), 0u);  // cold: the fire must read it
  h.faulty->fail_gets(1);
  h.advance(kHourMs);
  EXPECT_EQ(log.count("io", "send-1"), 0u);  // the read failed
  // The retry waits 1 s of loop time; a server's sockets keep the loop
  // running meanwhile, here a far timer does.
  UvTimer keep_loop_alive(h.loop, [] {});
  keep_loop_alive.start(10000);
  for (int turn = 0; turn < 20 && log.count("io", "send-1") == 0; ++turn) {
    h.loop.run_once();
    h.drain();
  }
  keep_loop_alive.stop();
  EXPECT_EQ(log.count("io", "send-1"), 1u) << "the timer was dropped";
  EXPECT_EQ(h.status("io"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, WaitingInstancesLeaveMemory) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(h.start("test.sequence", "m" + std::to_string(i), offsets({kDayMs})));
  }
  EXPECT_EQ(h.engine->live_instances(), 0u);
  h.advance(kDayMs);
  EXPECT_EQ(log.runs.size(), 50u);
  EXPECT_EQ(h.engine->live_instances(), 0u);
}

TEST_F(EngineTest, ABlockingStepRunsOffTheLoopAndItsResultIsJournaled) {
  ASSERT_TRUE(h.start("test.blocking", "b1"));
  EXPECT_EQ(h.status("b1"), InstanceStatus::kCompleted);
  auto history = h.history("b1");
  auto crunch = std::find_if(history.begin(), history.end(), [](const JournalEntry& e) {
    return e.kind == EntryKind::kStepCompleted && e.name == "crunch";
  });
  ASSERT_NE(crunch, history.end());
  EXPECT_EQ(crunch->data["sum"], 500500);
  EXPECT_EQ(crunch->data["on_loop_thread"], false);
  // Replayed after a restart, it is not run again.
  h.reopen();
  EXPECT_EQ(h.status("b1"), InstanceStatus::kCompleted);
}

TEST_F(EngineTest, WhatABlockingStepThrowsFailsTheAttemptAndIsRetried) {
  ASSERT_TRUE(h.start("test.blocking", "b2", {{"throw_once", true}}));
  h.advance(kSecondMs);
  EXPECT_EQ(h.status("b2"), InstanceStatus::kCompleted);
  auto history = h.history("b2");
  auto failed = std::find_if(history.begin(), history.end(),
                             [](const JournalEntry& e) { return e.kind == EntryKind::kStepAttemptFailed; });
  ASSERT_NE(failed, history.end());
  EXPECT_NE(failed->error.find("crunch broke"), std::string::npos) << failed->error;
}

}  // namespace
}  // namespace sundial
