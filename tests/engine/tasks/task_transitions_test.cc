// The task queues' pure decisions (engine/tasks/task_transitions.h) and the
// index writes every transition makes through write_task_change.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_codec.h"
#include "engine/tasks/task_keys.h"
#include "engine/tasks/task_transitions.h"

namespace sundial {
namespace {

TaskSpec spec(std::string type = "send") {
  TaskSpec s;
  s.queue = "emails";
  s.type = std::move(type);
  s.payload = {{"to", "ada@example.com"}};
  s.retry.max_attempts = 3;
  s.retry.initial_backoff = 1000;
  s.retry.jitter = false;
  return s;
}

bool has_op(const Batch& b, Batch::OpKind kind, Cf cf, const std::string& key) {
  return std::any_of(b.ops().begin(), b.ops().end(),
                     [&](const Batch::Op& op) { return op.kind == kind && op.cf == cf && op.key == key; });
}

TEST(TaskTransitionsTest, AnEnqueueIsReadyAtOnceOrDelayedUntilItsTime) {
  TaskRecord now = decide_enqueue(spec(), "t1", 1000, 7);
  EXPECT_TRUE(is_ready(now));
  EXPECT_EQ(now.ready_at, 1000);
  EXPECT_EQ(now.ready_seq, 7u);
  TaskSpec later = spec();
  later.delay = 5000;
  TaskRecord delayed = decide_enqueue(later, "t2", 1000, 8);
  EXPECT_FALSE(is_ready(delayed));
  EXPECT_EQ(delayed.status, TaskStatus::kPending);
  EXPECT_EQ(delayed.timer_due, 6000);
  auto ready = decide_ready(delayed, 6000, 9);
  ASSERT_TRUE(ready);
  EXPECT_TRUE(is_ready(*ready));
  EXPECT_EQ(ready->ready_at, 6000);
  EXPECT_FALSE(decide_ready(delayed, 5999, 9)) << "a timer for another time is stale";
}

TEST(TaskTransitionsTest, OnlyTheCurrentLeaseCompletesAndATaskCompletesOnce) {
  TaskRecord t = decide_enqueue(spec(), "t1", 0, 1);
  auto running = decide_claim(t, "w1", "lease-1", 100);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->attempt, 1u);
  EXPECT_EQ(running->lease_expires_at, 100 + kDefaultTaskTimeout);
  EXPECT_EQ(running->timer_due, 0) << "no stored timer: the lease's end is kept in memory";
  EXPECT_EQ(decide_complete(*running, "lease-0", {}, 200).error().code, ErrorCode::kConflict);
  auto done = decide_complete(*running, "lease-1", {{"ok", true}}, 200);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, TaskStatus::kCompleted);
  EXPECT_EQ(done->finished_at, 200);
  EXPECT_EQ(done->timer_due, 0);
  EXPECT_EQ(done->attempts.back().outcome, "completed");
  EXPECT_EQ(decide_complete(*done, "lease-1", {}, 300).error().code, ErrorCode::kConflict);
  EXPECT_EQ(decide_fail(*done, "lease-1", {}, 300, 0, 2).error().code, ErrorCode::kConflict);
  EXPECT_EQ(decide_heartbeat(*done, "lease-1", 300).error().code, ErrorCode::kConflict);
}

TEST(TaskTransitionsTest, AHeartbeatExtendsTheLeaseByTheTimeoutFromNow) {
  TaskRecord t = *decide_claim(decide_enqueue(spec(), "t1", 0, 1), "w1", "L", 0);
  auto beat = decide_heartbeat(t, "L", 20'000);
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->lease_expires_at, 20'000 + kDefaultTaskTimeout);
  EXPECT_EQ(beat->timer_due, 0);
}

TEST(TaskTransitionsTest, FailuresBackOffThenTheTaskIsDeadAfterMaxAttempts) {
  TaskRecord t = decide_enqueue(spec(), "t1", 0, 1);
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(is_ready(t)) << attempt;
    t = *decide_claim(t, "w1", "L" + std::to_string(attempt), t.ready_at);
    TimeMs now = t.attempts.back().started_at + 10;
    t = *decide_fail(t, "L" + std::to_string(attempt), TaskFailure{"boom", true, std::nullopt}, now, 0.5,
                     attempt);
    if (attempt < 3) {
      EXPECT_EQ(t.status, TaskStatus::kPending);
      DurationMs expected = attempt == 1 ? 1000 : 2000;  // exponential, no jitter
      EXPECT_EQ(t.timer_due, now + expected) << attempt;
      t = *decide_ready(t, t.timer_due, 10 + attempt);
    }
  }
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.last_error, "boom");
  EXPECT_EQ(t.attempts.size(), 3u);
}

TEST(TaskTransitionsTest, APermanentFailureIsDeadAtOnceAndRetryAfterOverridesTheBackoff) {
  TaskRecord t = *decide_claim(decide_enqueue(spec(), "t1", 0, 1), "w1", "L", 0);
  EXPECT_EQ(decide_fail(t, "L", TaskFailure{"bad input", false, std::nullopt}, 5, 0, 2)->status,
            TaskStatus::kFailed);
  auto later = decide_fail(t, "L", TaskFailure{"429", true, DurationMs{60'000}}, 5, 0, 2);
  EXPECT_EQ(later->timer_due, 60'005);
  auto now = decide_fail(t, "L", TaskFailure{"again", true, DurationMs{0}}, 5, 0, 2);
  EXPECT_TRUE(is_ready(*now));
}

TEST(TaskTransitionsTest, AnExpiredLeaseCountsAsAFailedAttemptOnlyForItsOwnDueTime) {
  TaskRecord t = *decide_claim(decide_enqueue(spec(), "t1", 0, 1), "w1", "L", 0);
  EXPECT_FALSE(decide_expire(t, t.lease_expires_at - 1, t.lease_expires_at, 0, 2));
  auto expired = decide_expire(t, t.lease_expires_at, t.lease_expires_at, 0, 2);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, TaskStatus::kPending);
  EXPECT_EQ(expired->attempts.back().outcome, "expired");
  EXPECT_NE(expired->last_error.find("w1"), std::string::npos);
  EXPECT_EQ(decide_complete(*expired, "L", {}, 1).error().code, ErrorCode::kConflict);
}

TEST(TaskTransitionsTest, RetryRevivesFailedOrCancelledAndCancelTakesOnlyPending) {
  TaskRecord t = decide_enqueue(spec(), "t1", 0, 1);
  auto cancelled = decide_cancel(t, 10);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  auto revived = decide_retry(*cancelled, 20, 5);
  ASSERT_TRUE(revived);
  EXPECT_TRUE(is_ready(*revived));
  EXPECT_EQ(revived->attempt, 0u);
  EXPECT_EQ(revived->finished_at, 0);
  TaskRecord running = *decide_claim(*revived, "w", "L", 30);
  EXPECT_EQ(decide_cancel(running, 40).error().code, ErrorCode::kConflict);
  EXPECT_EQ(decide_retry(running, 40, 6).error().code, ErrorCode::kConflict);
}

TEST(TaskTransitionsTest, EachTransitionMovesTheIndexEntriesWithTheRecord) {
  TaskSpec s = spec();
  s.dedupe_key = "ada";
  TaskRecord t = decide_enqueue(s, "t1", 1000, 1);
  Transition enqueue(1000);
  ASSERT_TRUE(write_task_change(nullptr, t, enqueue));
  std::string ready = task_keys::ready_key("emails", "send", task_keys::ready_order(t));
  std::string pending = task_keys::status_key("emails", TaskStatus::kPending, 1000, "t1");
  std::string dedupe = task_keys::dedupe_key("emails", "ada");
  EXPECT_TRUE(has_op(enqueue.batch, Batch::OpKind::kPut, Cf::kTasks, "t1"));
  EXPECT_TRUE(has_op(enqueue.batch, Batch::OpKind::kPut, Cf::kIndex, ready));
  EXPECT_TRUE(has_op(enqueue.batch, Batch::OpKind::kPut, Cf::kIndex, pending));
  EXPECT_TRUE(has_op(enqueue.batch, Batch::OpKind::kPut, Cf::kTasks, dedupe));

  TaskRecord running = *decide_claim(t, "w", "L", 2000);
  Transition claim(2000);
  ASSERT_TRUE(write_task_change(&t, running, claim));
  EXPECT_TRUE(has_op(claim.batch, Batch::OpKind::kDelete, Cf::kIndex, ready));
  EXPECT_TRUE(has_op(claim.batch, Batch::OpKind::kDelete, Cf::kIndex, pending));
  // The lease's end is an in-memory timer: no row, nothing to arm; the
  // dedupe key stays as it is.
  EXPECT_EQ(claim.batch.size(), 4u) << "the record; ready and pending out, running in";
  EXPECT_TRUE(claim.timers_to_arm.empty());
  EXPECT_FALSE(has_op(claim.batch, Batch::OpKind::kPut, Cf::kTasks, dedupe));
  EXPECT_EQ(running.timer_due, 0);

  TaskRecord beat = *decide_heartbeat(running, "L", 2500);
  Transition heartbeat(2500);
  ASSERT_TRUE(write_task_change(&running, beat, heartbeat));
  EXPECT_EQ(heartbeat.batch.size(), 1u) << "the record alone";

  TaskRecord done = *decide_complete(beat, "L", {}, 3000);
  Transition complete(3000);
  ASSERT_TRUE(write_task_change(&beat, done, complete));
  EXPECT_TRUE(has_op(complete.batch, Batch::OpKind::kDelete, Cf::kTasks, dedupe)) << "the key is free again";
  EXPECT_TRUE(has_op(complete.batch, Batch::OpKind::kPut, Cf::kIndex, task_keys::finished_key(3000, "t1")));
  EXPECT_TRUE(complete.timers_to_arm.empty());
  for (const auto& op : complete.batch.ops()) EXPECT_NE(op.cf, Cf::kTimers);
}

TEST(TaskTransitionsTest, ARunningRecordOfAnEarlierVersionLeavesItsLeaseRowToFireAndGo) {
  // Earlier versions stored a running task's lease end as a "%L" row and in
  // timer_due; finishing such a task touches no timer row (the row fires
  // later and TaskService deletes it).
  TaskRecord t = decide_enqueue(spec(), "t1", 1000, 1);
  TaskRecord running = *decide_claim(t, "w", "L", 2000);
  running.timer_due = running.lease_expires_at;
  TaskRecord failed = *decide_fail(running, "L", TaskFailure{"boom", true, std::nullopt}, 3000, 0.0, 2);
  Transition fail(3000);
  ASSERT_TRUE(write_task_change(&running, failed, fail));
  ASSERT_NE(failed.timer_due, 0) << "a backoff";
  ASSERT_EQ(fail.timers_to_arm.size(), 1u);
  EXPECT_EQ(fail.timers_to_arm[0].instance_id, "%Dt1");
  EXPECT_TRUE(
      has_op(fail.batch, Batch::OpKind::kPut, Cf::kTimers, keys::timer_key(failed.timer_due, "%Dt1")));
  EXPECT_FALSE(has_op(fail.batch, Batch::OpKind::kDelete, Cf::kTimers,
                      keys::timer_key(running.lease_expires_at, "%Lt1")));
}

TEST(TaskTransitionsTest, ARecordThatCannotBeStoredWritesNothing) {
  TaskRecord t = decide_enqueue(spec(), "t1", 0, 1);
  t.payload = EncodedJson(std::string("\xff\xfe"));
  Transition tx(0);
  auto w = write_task_change(nullptr, t, tx);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(tx.batch.empty());
  // Any other text field, too (the encoder writes strings itself).
  TaskRecord bad_worker = decide_enqueue(spec(), "t1", 0, 1);
  bad_worker.worker = "w\xc3";
  auto w2 = write_task_change(nullptr, bad_worker, tx);
  ASSERT_FALSE(w2);
  EXPECT_NE(w2.error().message.find("'worker'"), std::string::npos) << w2.error().message;
  EXPECT_TRUE(tx.batch.empty());
  // And a payload nested deeper than stored values may be.
  nlohmann::json deep = 1;
  for (size_t i = 0; i < kMaxStoredValueDepth + 2; ++i) deep = nlohmann::json::array({deep});
  TaskRecord too_deep = decide_enqueue(spec(), "t1", 0, 1);
  too_deep.payload = EncodedJson(deep);
  ASSERT_FALSE(write_task_change(nullptr, too_deep, tx));
  EXPECT_TRUE(tx.batch.empty());
}

TEST(TaskCodecTest, ARecordRoundTripsAndBadBytesAreCorruption) {
  TaskRecord t = *decide_claim(decide_enqueue(spec(), "t1", 5, 1), "w1", "L", 10);
  t.result = {{"n", 1}};
  auto bytes = encode_task(t);
  ASSERT_TRUE(bytes);
  auto back = decode_task(*bytes);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->id, "t1");
  EXPECT_EQ(back->status, TaskStatus::kRunning);
  EXPECT_EQ(back->lease, "L");
  EXPECT_EQ(back->attempts.size(), 1u);
  EXPECT_EQ(back->retry.initial_backoff, 1000);
  EXPECT_EQ(*encode_task(*back), *bytes);
  EXPECT_EQ(decode_task(R"({"id":1})").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(decode_task(R"({"id":"x","status":"sleeping"})").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(decode_task("[").error().code, ErrorCode::kCorruption);
}

TEST(TaskKeysTest, ReadyKeysSortHigherPriorityFirstThenReadyTimeThenSequence) {
  using task_keys::ReadyOrder;
  std::vector<ReadyOrder> orders{
      {0, 5, 1, "a"}, {10, 9, 2, "b"}, {0, 5, 0, "c"}, {10, 1, 3, "d"}, {1000000, 99, 4, "e"}};
  std::vector<std::string> keys;
  for (const auto& o : orders) keys.push_back(task_keys::ready_key("q", "t", o));
  std::sort(keys.begin(), keys.end());
  std::sort(orders.begin(), orders.end());
  size_t prefix = task_keys::ready_prefix("q", "t").size();
  for (size_t i = 0; i < keys.size(); ++i) {
    auto parsed = task_keys::parse_ready_key(keys[i], prefix);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, orders[i]) << i;
  }
  EXPECT_EQ(orders.front().id, "e");
  EXPECT_TRUE(task_keys::is_task_timer(task_keys::delay_timer_id("x")));
  EXPECT_TRUE(task_keys::is_delay_timer(task_keys::delay_timer_id("x")));
  EXPECT_TRUE(task_keys::is_lease_timer(task_keys::lease_timer_id("x")));
  EXPECT_FALSE(task_keys::is_lease_timer(task_keys::delay_timer_id("x")));
  EXPECT_FALSE(task_keys::is_stored_lease_timer(task_keys::lease_timer_id("x")));
  EXPECT_TRUE(task_keys::is_stored_lease_timer("%Lx"));
  EXPECT_EQ(task_keys::task_of_timer(task_keys::lease_timer_id("x")), "x");
  EXPECT_FALSE(task_keys::is_task_timer("instance-1"));
}

}  // namespace
}  // namespace sundial
