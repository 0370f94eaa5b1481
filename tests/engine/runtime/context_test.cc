#include "engine/runtime/context.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

JournalEntry entry(uint32_t seq, EntryKind kind, std::string name = {}, TimeMs at = 1000) {
  JournalEntry e;
  e.seq = seq;
  e.kind = kind;
  e.name = std::move(name);
  e.at = at;
  return e;
}

AwaitRequest step_request(std::string name) {
  AwaitRequest r;
  r.kind = AwaitKind::kStep;
  r.step_name = std::move(name);
  return r;
}

AwaitRequest signal_request(std::vector<std::string> names) {
  AwaitRequest r;
  r.kind = AwaitKind::kSignal;
  r.signals = std::move(names);
  return r;
}

TEST(ContextTest, ReplaysJournaledStepResultsAndTime) {
  auto done = entry(1, EntryKind::kStepCompleted, "send-1", 5000);
  done.data = {{"message_id", "m1"}};
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted), done});
  EXPECT_EQ(ctx.now(), 1000);
  ASSERT_TRUE(ctx.try_consume(step_request("send-1")));
  EXPECT_EQ(ctx.take_step_result()["message_id"], "m1");
  EXPECT_EQ(ctx.now(), 5000);
  EXPECT_FALSE(ctx.try_consume(step_request("send-2")));  // live from here
  EXPECT_FALSE(ctx.failure());
}

TEST(ContextTest, DetectsAStepOtherThanTheJournalHolds) {
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "send-1")});
  EXPECT_FALSE(ctx.try_consume(step_request("send-2")));
  ASSERT_TRUE(ctx.failure());
  EXPECT_EQ(ctx.failure()->code, ErrorCode::kNonDeterminism);
  EXPECT_NE(ctx.failure()->message.find("send-2"), std::string::npos);
  EXPECT_NE(ctx.failure()->message.find("send-1"), std::string::npos);
}

TEST(ContextTest, DetectsASleepWhereTheJournalHoldsAStep) {
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "a")});
  AwaitRequest sleep;
  sleep.kind = AwaitKind::kSleep;
  EXPECT_FALSE(ctx.try_consume(sleep));
  ASSERT_TRUE(ctx.failure());
  EXPECT_EQ(ctx.failure()->code, ErrorCode::kNonDeterminism);
}

TEST(ContextTest, SignalBeforeTheWaitIsTakenFromTheInbox) {
  auto sig = entry(2, EntryKind::kSignalReceived, "booked");
  sig.data = {{"at", "10:00"}};
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "a"), sig,
               entry(3, EntryKind::kStepCompleted, "b")});
  ASSERT_TRUE(ctx.try_consume(step_request("a")));
  EXPECT_FALSE(ctx.has_signal("booked"));  // it arrived after step a's result
  ASSERT_TRUE(ctx.try_consume(step_request("b")));
  EXPECT_TRUE(ctx.has_signal("booked"));
  ASSERT_TRUE(ctx.try_consume(signal_request({"booked"})));
  SignalResult r = ctx.take_signal_result();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.name, "booked");
  EXPECT_EQ(r.payload["at"], "10:00");
  // Taken once: a second wait does not see it again.
  EXPECT_FALSE(ctx.try_consume(signal_request({"booked"})));
  EXPECT_FALSE(ctx.failure());
}

TEST(ContextTest, PauseShiftMovesLaterAbsoluteSleeps) {
  auto resumed = entry(2, EntryKind::kResumed, "shift");
  resumed.shift_ms = 60000;
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kTimerFired), resumed,
               entry(3, EntryKind::kStepCompleted, "a")});
  EXPECT_EQ(ctx.sleep_until(10000).await_ready(), true);  // consumes the fired timer
  ASSERT_TRUE(ctx.try_consume(step_request("a")));
  EXPECT_EQ(ctx.schedule_shift(), 60000);
}

TEST(ContextTest, RandomnessIsTheSameOnEveryReplay) {
  Context a("order-1", {}, {entry(0, EntryKind::kStarted)});
  Context b("order-1", {}, {entry(0, EntryKind::kStarted)});
  Context c("order-2", {}, {entry(0, EntryKind::kStarted)});
  EXPECT_EQ(a.random_u64(), b.random_u64());
  EXPECT_EQ(a.uuid(), b.uuid());
  EXPECT_NE(Context("order-1", {}, {entry(0, EntryKind::kStarted)}).random_u64(), c.random_u64());
  std::string id = a.uuid();
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
}

TEST(ContextTest, ADivergenceNamesTheOriginAndTheEntry) {
  auto fired = entry(2, EntryKind::kTimerFired);
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "hello"), fired});
  ctx.set_origin("greet.lua:12");
  auto awaiter = ctx.sleep_for(1000);
  EXPECT_FALSE(awaiter.await_ready());
  ASSERT_TRUE(ctx.failure());
  EXPECT_EQ(
      ctx.failure()->to_string().rfind(
          "non_determinism: greet.lua:12: sleep does not match journal entry #1 (step_completed \"hello\") "
          "of instance 'i1'",
          0),
      0u)
      << ctx.failure()->to_string();
}

TEST(ContextTest, AnOriginAppliesToTheNextAwaitOnly) {
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kTimerFired),
               entry(2, EntryKind::kStepCompleted, "x")});
  ctx.set_origin("a.lua:1");
  ASSERT_TRUE(ctx.sleep_for(10).await_ready());
  EXPECT_FALSE(ctx.step("y", [](const StepInfo&) -> Result<nlohmann::json> { return 1; }).await_ready());
  ASSERT_TRUE(ctx.failure());
  EXPECT_EQ(
      ctx.failure()->message.rfind("step \"y\" does not match journal entry #2 (step_completed \"x\")", 0),
      0u)
      << ctx.failure()->message;
}

// ---- patched() ----------------------------------------------------------------

TEST(ContextTest, PatchedRecordsAMarkerPastTheEndOfTheHistory) {
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted)});
  EXPECT_TRUE(ctx.patched("fix"));
  EXPECT_TRUE(ctx.patched("fix"));  // memoized: one marker
  auto markers = ctx.take_markers();
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(markers[0].kind, EntryKind::kPatch);
  EXPECT_EQ(markers[0].name, "fix");
  EXPECT_TRUE(ctx.take_markers().empty());
}

TEST(ContextTest, PatchedIsFalseForHistoryWrittenBeforeThePatch) {
  // The old code ran step "a" then step "b": no marker between them.
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "a"),
               entry(2, EntryKind::kStepCompleted, "b")});
  ASSERT_TRUE(ctx.try_consume(step_request("a")));
  EXPECT_FALSE(ctx.patched("fix"));
  ASSERT_TRUE(ctx.try_consume(step_request("b")));
  EXPECT_FALSE(ctx.patched("fix"));  // the first answer sticks, even at the live edge
  EXPECT_TRUE(ctx.take_markers().empty());
  EXPECT_FALSE(ctx.failure());
}

TEST(ContextTest, PatchedIsFalseWhereTheRecordAlreadyAwaitsSomething) {
  // The old code ran "a" and then registered a sleep (not yet fired): the
  // code after "a" already ran without the patch.
  auto scheduled = entry(2, EntryKind::kTimerScheduled, "sleep");
  Context ctx("i1", {}, {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "a"), scheduled});
  ctx.set_await_registered(true);
  ASSERT_TRUE(ctx.try_consume(step_request("a")));
  EXPECT_FALSE(ctx.patched("fix"));
  EXPECT_TRUE(ctx.take_markers().empty());
}

TEST(ContextTest, PatchedFindsItsMarkerOnReplayEvenAfterAResume) {
  auto marker = entry(4, EntryKind::kPatch, "fix");
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kStepCompleted, "a"),
               entry(2, EntryKind::kResumed, "shift"), entry(3, EntryKind::kPatch, "other"), marker,
               entry(5, EntryKind::kStepCompleted, "b-new")});
  ctx.append(entry(6, EntryKind::kTimerScheduled, "sleep"));
  ctx.set_await_registered(true);
  ASSERT_TRUE(ctx.try_consume(step_request("a")));
  EXPECT_TRUE(ctx.patched("fix"));
  EXPECT_TRUE(ctx.patched("other"));
  EXPECT_FALSE(ctx.patched("unknown"));  // not in the history at this point
  EXPECT_TRUE(ctx.take_markers().empty());
  // A marker is not an outcome: steps still match past it.
  ASSERT_TRUE(ctx.try_consume(step_request("b-new")));
  EXPECT_FALSE(ctx.failure());
}

TEST(ContextTest, AMarkerOfARemovedPatchIsSkipped) {
  // Once every old instance is gone, the patched() call may go and its
  // markers are ignored.
  Context ctx("i1", {},
              {entry(0, EntryKind::kStarted), entry(1, EntryKind::kPatch, "fix"),
               entry(2, EntryKind::kStepCompleted, "b-new")});
  ASSERT_TRUE(ctx.try_consume(step_request("b-new")));
  EXPECT_FALSE(ctx.has_unconsumed_outcomes());
  EXPECT_FALSE(ctx.failure());
}

}  // namespace
}  // namespace sundial
