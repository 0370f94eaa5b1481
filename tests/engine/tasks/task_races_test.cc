// TaskService races (engine/tasks/task_service.h): commands that arrive
// while an earlier change to the same task or queue is decided but not yet
// durable (its commit in flight), and long polls whose end meets a task.
// Each test issues its commands without running the loop in between, so
// the service must decide the later ones against the earlier ones'
// in-memory outcome; then it runs the loop and checks what was answered,
// what a claim can take and what is stored.
//
// GCC 12 warns falsely (maybe-uninitialized, inside libstdc++) on moving
// the Result<std::vector<...>> replies this file collects.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include "tests/engine/tasks/task_service_fixture.h"

namespace sundial {
namespace {

class TaskRacesTest : public testing::TaskServiceTest {
 protected:
  // Answers kept by the fixture, so a reply that comes at close finds them.
  std::optional<Result<TaskRecord>> first, second, third;
  std::optional<Result<std::vector<TaskRecord>>> waiting;
  std::optional<Result<std::vector<EnqueueResult>>> enqueued;

  Reply<TaskRecord> into(std::optional<Result<TaskRecord>>& slot) {
    return [&slot](Result<TaskRecord> r) { slot = std::move(r); };
  }
  TaskStatus status_of(const std::optional<Result<TaskRecord>>& slot) {
    EXPECT_TRUE(slot.has_value()) << "not answered";
    EXPECT_TRUE(slot && *slot) << (slot && !*slot ? slot->error().to_string() : "");
    return slot && *slot ? (*slot)->status : TaskStatus::kPending;
  }
  void expect_counts(uint64_t pending, uint64_t running, uint64_t cancelled) {
    EXPECT_EQ(count(TaskStatus::kPending), pending);
    EXPECT_EQ(count(TaskStatus::kRunning), running);
    EXPECT_EQ(count(TaskStatus::kCancelled), cancelled);
  }
};

// A failure with no backoff makes the task ready again; a cancel decided
// before that is durable ends it. The ready state must not reach the claim
// window after the cancel (it did: the failure's commit added its record
// to the window when durable, and a claim then leased a cancelled task).
TEST_F(TaskRacesTest, ACancelWhileAFailedTaskIsBecomingReadyKeepsItOutOfClaims) {
  std::string id = enqueue(spec()).task_id;
  TaskRecord t = claim().at(0);
  tasks().fail(t.id, t.lease, TaskFailure{"boom", true, 0}, into(first));
  tasks().cancel(id, into(second));
  h.drain();
  EXPECT_EQ(status_of(first), TaskStatus::kPending);
  EXPECT_EQ(status_of(second), TaskStatus::kCancelled);
  EXPECT_TRUE(claim().empty()) << "a cancelled task is handed out";
  EXPECT_EQ(stored(id)->status, TaskStatus::kCancelled);
  expect_counts(0, 0, 1);
}

// A delayed task's time comes (the timer's change in flight), then it is
// cancelled and retried before either is durable: it is claimable once,
// with one lease (it was in the window twice, under both ready orders).
TEST_F(TaskRacesTest, ADelayedTaskCancelledAndRetriedAsItBecomesReadyIsHandedOutOnce) {
  h.close();
  h.manual_pool = true;  // the timer's read of the task completes when the test says
  h.open();
  TaskSpec s = spec();
  s.delay = 5'000;
  std::string id = enqueue(s).task_id;
  h.clock.advance(5'000);
  for (int i = 0; i < 3;
       ++i) {  // the timer fires and reads the task; its change is committed, not yet durable
    h.engine->poll_timers();
    h.pool->drain();
  }
  ASSERT_EQ(h.engine->commits_in_flight(), 1u) << "the ready change is in flight";
  tasks().cancel(id, into(first));
  tasks().retry(id, into(second));
  h.drain();
  EXPECT_EQ(status_of(first), TaskStatus::kCancelled);
  EXPECT_EQ(status_of(second), TaskStatus::kPending);
  auto got = claim(10);
  ASSERT_EQ(got.size(), 1u) << "handed out under two ready orders";
  EXPECT_EQ(got[0].attempt, 1u);
  EXPECT_TRUE(complete(got[0]));
  EXPECT_EQ(stored(id)->status, TaskStatus::kCompleted);
  expect_counts(0, 0, 0);
}

// Memory holds only the head of the ready index; the rest loads on the
// pool as claims take the head (and after a restart, before the first
// load). A claim that does not wait, arriving while memory is empty and
// that load is under way, waits for it instead of answering none while
// tasks are pending (a worker would sleep or give up on a full queue).
TEST_F(TaskRacesTest, AClaimThatDoesNotWaitWhileTheNextTasksLoadGetsThem) {
  h.close();
  h.manual_pool = true;
  h.options.tasks.window.max_tasks = 2;
  h.open();
  for (int i = 0; i < 5; ++i) enqueue(spec("send", {{"n", i}}));
  // A claim, and the loop run until its commits are durable; the pool's
  // jobs wait.
  auto now = [this](uint32_t max) {
    waiting.reset();
    tasks().claim(ClaimRequest{"emails", "w1", max, 0, {}, nullptr},
                  [this](auto r) { waiting = std::move(r); });
    h.loop.run_nowait();
    while (h.engine->commits_in_flight() > 0) h.loop.run_once();
    h.loop.run_nowait();
  };
  now(2);
  ASSERT_TRUE(waiting && *waiting);
  ASSERT_EQ((*waiting)->size(), 2u) << "the head, from memory";
  ASSERT_EQ(tasks().reads_in_flight(), 1u) << "the next ones load";
  now(10);  // memory is empty; the scan for the next ones is on the pool
  EXPECT_FALSE(waiting) << "answered before the pending tasks were loaded";
  h.drain();
  ASSERT_TRUE(waiting && *waiting);
  EXPECT_GE((*waiting)->size(), 1u);
  size_t taken = 2 + (*waiting)->size();
  while (taken < 5) {
    now(10);
    h.drain();
    ASSERT_TRUE(waiting && *waiting);
    ASSERT_FALSE((*waiting)->empty()) << taken << " of 5 handed out, the rest left on disk";
    taken += (*waiting)->size();
  }
  // With nothing left, a claim that does not wait answers at once.
  now(10);
  ASSERT_TRUE(waiting && *waiting);
  EXPECT_TRUE((*waiting)->empty());
}

// Ending the claims that waited only for a load answers several waiters
// in one walk of the queue's list. A reply may lead at once to another
// claim on the same queue (the connection dispatches its next pipelined
// request), which walks the same list: the replies must not run inside
// the walk (they erased the walk's next waiter under it).
TEST_F(TaskRacesTest, AnEmptyAnswerThatLeadsToAnotherClaimLeavesTheOtherWaitersWhole) {
  h.close();
  h.manual_pool = true;
  h.options.tasks.window.max_tasks = 2;
  h.open();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(enqueue(spec("send", {{"n", i}})).task_id);
  auto settle_commits = [this] {
    while (h.engine->commits_in_flight() > 0) h.loop.run_once();
    h.loop.run_nowait();
  };
  tasks().claim(ClaimRequest{"emails", "w1", 2, 0, {}, nullptr}, [this](auto r) { waiting = std::move(r); });
  settle_commits();
  ASSERT_TRUE(waiting && *waiting && (*waiting)->size() == 2u);
  ASSERT_EQ(h.pool->pending(), 1u) << "the scan for the rest";
  tasks().cancel(ids[2], into(first));  // the rest: gone before the scan reads
  ASSERT_EQ(h.pool->pending(), 2u);
  h.pool->complete(1);
  settle_commits();
  ASSERT_TRUE(first && *first);
  std::optional<Result<std::vector<TaskRecord>>> a, b, c;
  tasks().claim(ClaimRequest{"emails", "a", 10, 0, {}, nullptr}, [&](auto r) {
    a = std::move(r);
    tasks().claim(ClaimRequest{"emails", "c", 10, 0, {}, nullptr}, [&](auto r2) { c = std::move(r2); });
  });
  tasks().claim(ClaimRequest{"emails", "b", 10, 0, {}, nullptr}, [&](auto r) { b = std::move(r); });
  h.loop.run_nowait();
  EXPECT_FALSE(a || b) << "answered while the scan was still reading";
  h.drain();
  ASSERT_TRUE(a && *a && b && *b && c && *c);
  EXPECT_TRUE((*a)->empty());
  EXPECT_TRUE((*b)->empty());
  EXPECT_TRUE((*c)->empty());
  EXPECT_EQ(tasks().waiting_claims(), 0u);
}

// The retention sweep plans on a snapshot on the pool. A finished task
// retried after that snapshot (durable, and out of memory again by the
// time the plan is applied) must not be deleted on the plan's stale word;
// nor one being changed at that moment.
TEST_F(TaskRacesTest, ATaskChangedAfterTheSweepsSnapshotIsNotDeleted) {
  h.close();
  h.manual_pool = true;
  h.options.retention.retention = kDayMs;
  h.open();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(enqueue(spec("send", {{"n", i}})).task_id);
    tasks().cancel(ids.back(), into(first));
    h.drain();
  }
  h.clock.advance(kDayMs + 1);
  auto settle_commits = [this] {
    while (h.engine->commits_in_flight() > 0) h.loop.run_once();
    h.loop.run_nowait();
  };
  // ids[3]: a retry decided and committing when the sweep starts, durable
  // only after the plan's snapshot.
  std::optional<Result<TaskRecord>> in_flight;
  tasks().retry(ids[3], into(in_flight));
  ASSERT_EQ(h.pool->pending(), 1u);
  h.pool->complete_first();
  ASSERT_EQ(h.engine->commits_in_flight(), 1u);
  std::optional<SweepResult> swept;
  h.engine->sweep_now([&](SweepResult r) { swept = r; });
  ASSERT_EQ(h.pool->pending(), 1u);
  h.pool->run_work(0);  // the plan, on a snapshot where all four are cancelled
  settle_commits();
  ASSERT_TRUE(in_flight && *in_flight);
  tasks().retry(ids[0], into(first));
  ASSERT_EQ(h.pool->pending(), 1u) << "the retry reads the task";
  h.pool->complete_first();
  settle_commits();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->status, TaskStatus::kPending);
  tasks().retry(ids[1], into(second));  // its read stays pending: in use
  h.pool->finish_ran();                 // the plan is applied now
  h.drain();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->tasks_deleted, 1u) << "only the one nothing touched";
  EXPECT_EQ(stored(ids[2]).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(stored(ids[0])->status, TaskStatus::kPending) << "deleted on a stale plan";
  ASSERT_TRUE(second && *second);
  EXPECT_EQ(stored(ids[1])->status, TaskStatus::kPending);
  EXPECT_EQ(stored(ids[3])->status, TaskStatus::kPending) << "deleted: its retry was in flight at the watch";
  expect_counts(3, 0, 0);
}

// A claim that does not wait gets the ready tasks that the claims already
// waiting do not want (they wait for another type): it answered none,
// whatever was ready, as long as anyone waited on the queue.
TEST_F(TaskRacesTest, AClaimThatDoesNotWaitIsNotStarvedByWaitersForOtherTypes) {
  tasks().claim(ClaimRequest{"emails", "w1", 1, 30'000, {"other"}, nullptr},
                [this](auto r) { waiting = std::move(r); });
  h.drain();
  enqueue(spec("send"));
  EXPECT_FALSE(waiting) << "a type it did not ask for";
  EXPECT_EQ(claim(1, {"send"}).size(), 1u);
  enqueue(spec("send"));
  EXPECT_EQ(claim(1).size(), 1u) << "nor one that takes any type";
  h.close();  // answers the waiter while `waiting` is alive
}

// An enqueue with the dedupe key of a task whose completion is decided
// and not yet durable: that task will not run again, so the enqueue must
// make a new one (it answered the completing task as "pending", and the
// enqueued work never ran).
TEST_F(TaskRacesTest, ADedupeKeyFreedByACompletionInFlightMakesANewTask) {
  TaskSpec s = spec();
  s.dedupe_key = "ada";
  std::string old_id = enqueue(s).task_id;
  TaskRecord t = claim().at(0);
  tasks().complete(t.id, t.lease, nullptr, into(first));
  tasks().enqueue({s}, [this](auto r) { enqueued = std::move(r); });
  h.drain();
  EXPECT_EQ(status_of(first), TaskStatus::kCompleted);
  ASSERT_TRUE(enqueued && *enqueued);
  const EnqueueResult& e = (*enqueued)->front();
  EXPECT_TRUE(e.created) << "deduped onto " << e.task_id << " (" << task_status_name(e.status) << ")";
  EXPECT_NE(e.task_id, old_id);
  auto got = claim();
  ASSERT_EQ(got.size(), 1u) << "the enqueued work runs";
  EXPECT_EQ(got[0].id, e.task_id);
  // And the key is held by the new task now.
  auto again = enqueue(s);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.task_id, e.task_id);
  EXPECT_EQ(again.status, TaskStatus::kRunning);
}

// The same with a cancel in flight: the cancelled task never runs, the new
// enqueue does.
TEST_F(TaskRacesTest, ADedupeKeyFreedByACancelInFlightMakesANewTask) {
  TaskSpec s = spec();
  s.dedupe_key = "bob";
  std::string old_id = enqueue(s).task_id;
  tasks().cancel(old_id, into(first));
  while (tasks().reads_in_flight() > 0) h.loop.run_once();  // the cancel reads the task, then commits
  ASSERT_FALSE(first) << "the cancel is decided, not yet durable";
  tasks().enqueue({s}, [this](auto r) { enqueued = std::move(r); });
  h.drain();
  EXPECT_EQ(status_of(first), TaskStatus::kCancelled);
  ASSERT_TRUE(enqueued && *enqueued);
  EXPECT_TRUE((*enqueued)->front().created);
  auto got = claim();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].id, old_id);
}

// Heartbeat, complete and fail after the lease ran out (and the task went
// to another worker) are refused and change nothing; the new lease works.
TEST_F(TaskRacesTest, LeaseCallsAfterExpiryAreRefusedAndTheNewLeaseHolds) {
  TaskSpec s = spec();
  s.timeout = 2'000;
  s.retry.initial_backoff = 0;
  std::string id = enqueue(s).task_id;
  TaskRecord old_lease = claim().at(0);
  h.advance(2'000);
  TaskRecord now_held = claim().at(0);
  EXPECT_EQ(now_held.attempt, 2u);
  EXPECT_EQ(
      sync<TaskRecord>([&](auto r) { tasks().heartbeat(id, old_lease.lease, std::move(r)); }).error().code,
      ErrorCode::kConflict);
  EXPECT_EQ(sync<TaskRecord>([&](auto r) {
              tasks().fail(id, old_lease.lease, TaskFailure{"late", false, std::nullopt}, std::move(r));
            })
                .error()
                .code,
            ErrorCode::kConflict);
  EXPECT_EQ(complete(old_lease).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(sync<TaskRecord>([&](auto r) { tasks().heartbeat(id, now_held.lease, std::move(r)); }));
  ASSERT_TRUE(complete(now_held, "done"));
  auto t = stored(id);
  EXPECT_EQ(t->status, TaskStatus::kCompleted);
  EXPECT_EQ(t->result, "done");
  ASSERT_EQ(t->attempts.size(), 2u);
  EXPECT_EQ(t->attempts[0].outcome, "expired");
}

}  // namespace
}  // namespace sundial
