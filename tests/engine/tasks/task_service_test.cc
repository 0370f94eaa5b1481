// TaskService (engine/tasks/task_service.h) in a real engine on RocksDB,
// driven by a ManualClock: enqueue, claim, leases, dedupe, limits, long
// polls, timers, and what a restart keeps.
//
// GCC 12 warns falsely (maybe-uninitialized, inside libstdc++) on moving
// the Result<std::vector<...>> replies this file collects; the service
// itself needs no such exemption.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include "engine/storage/rocksdb_store.h"
#include "tests/engine/tasks/task_service_fixture.h"

namespace sundial {
namespace {

using testing::TaskServiceTest;

TEST_F(TaskServiceTest, AnEnqueuedTaskIsClaimedCompletedOnceAndKeptAcrossARestart) {
  EnqueueResult e = enqueue(spec());
  EXPECT_TRUE(e.created);
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, e.task_id);
  EXPECT_EQ(claimed[0].attempt, 1u);
  EXPECT_EQ(claimed[0].payload.value(), (nlohmann::json{{"n", 1}}));
  EXPECT_TRUE(claim().empty()) << "a leased task is not handed out twice";
  ASSERT_TRUE(complete(claimed[0], {{"sent", true}}));
  EXPECT_EQ(complete(claimed[0]).error().code, ErrorCode::kConflict) << "a task completes once";
  h.reopen();
  auto t = stored(e.task_id);
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ(t->status, TaskStatus::kCompleted);
  EXPECT_EQ(t->result, (nlohmann::json{{"sent", true}}));
  EXPECT_EQ(count(TaskStatus::kCompleted), 1u);
  EXPECT_EQ(count(TaskStatus::kPending), 0u);
  EXPECT_TRUE(claim().empty());
}

TEST_F(TaskServiceTest, TheOldestReadyTaskIsFoundAcrossTypesAndPriorities) {
  auto oldest = [&] { return oldest_ready(); };
  EXPECT_EQ(*oldest(), std::nullopt);
  TimeMs first = h.clock.now_ms();
  enqueue(spec("send"));  // low priority, oldest
  h.clock.advance(1000);
  TaskSpec urgent = spec("call");
  urgent.priority = 9;
  enqueue(urgent);
  h.clock.advance(1000);
  enqueue(spec("call"));
  EXPECT_EQ(*oldest(), first);
  ASSERT_EQ(claim(1, {"send"}).size(), 1u);
  EXPECT_EQ(*oldest(), first + 1000) << "the urgent one, ready a second later";
}

TEST_F(TaskServiceTest, ADedupeKeyAnswersTheTaskThatHoldsItUntilThatTaskEnds) {
  TaskSpec s = spec();
  s.dedupe_key = "ada@example.com";
  EnqueueResult first = enqueue(s);
  EnqueueResult again = enqueue(s);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.task_id, first.task_id);
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 1u);
  EnqueueResult while_running = enqueue(s);
  EXPECT_EQ(while_running.task_id, first.task_id);
  EXPECT_EQ(while_running.status, TaskStatus::kRunning);
  ASSERT_TRUE(complete(claimed[0]));
  EnqueueResult after = enqueue(s);
  EXPECT_TRUE(after.created);
  EXPECT_NE(after.task_id, first.task_id);
  // One batch naming the key twice creates one task.
  TaskSpec other = spec();
  other.dedupe_key = "bob";
  auto batch = sync<std::vector<EnqueueResult>>([&](auto reply) {
    tasks().enqueue({other, other}, std::move(reply));
  });
  ASSERT_TRUE(batch);
  EXPECT_TRUE((*batch)[0].created);
  EXPECT_FALSE((*batch)[1].created);
  EXPECT_EQ((*batch)[0].task_id, (*batch)[1].task_id);
}

TEST_F(TaskServiceTest, AnExpiredLeaseRedeliversWithBackoffAndTheStaleLeaseIsRefused) {
  TaskSpec s = spec();
  s.timeout = 10'000;
  s.retry.initial_backoff = 2'000;
  enqueue(s);
  TaskRecord first = claim().at(0);
  h.advance(10'000);
  EXPECT_TRUE(claim().empty()) << "backing off for 2 s";
  EXPECT_EQ(tasks().stats().lease_expiries, 1u);
  h.advance(2'000);
  auto second = claim();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2u);
  EXPECT_NE(second[0].lease, first.lease);
  EXPECT_EQ(complete(first).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(complete(second[0]));
  auto t = stored(first.id);
  ASSERT_EQ(t->attempts.size(), 2u);
  EXPECT_EQ(t->attempts[0].outcome, "expired");
  EXPECT_EQ(t->attempts[1].outcome, "completed");
}

TEST_F(TaskServiceTest, TheLeaseTimerOfACompletedTaskEndsWithoutReadingIt) {
  TaskSpec s = spec();
  s.timeout = 10'000;
  enqueue(s);
  size_t timers = h.engine->timers_in_memory();
  TaskRecord t = claim().at(0);
  EXPECT_EQ(h.engine->timers_in_memory(), timers + 1) << "the lease's end, in memory";
  ASSERT_TRUE(complete(t));
  EXPECT_EQ(h.engine->timers_in_memory(), timers) << "gone with the lease";
  uint64_t reads = tasks().stats().record_reads;
  h.advance(11'000);
  EXPECT_EQ(tasks().stats().record_reads, reads);
  EXPECT_EQ(tasks().stats().lease_expiries, 0u);
  auto rows = sync<std::vector<keys::TimerKey>>(
      [&](auto reply) { h.engine->timers(h.clock.now_ms() + 1'000'000, 100, std::move(reply)); });
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty()) << "a lease writes no timer row";
}

// A lease that ended while the server was down ends once it is back: its
// in-memory timer, armed at recovery, is held until the engine accepts.
TEST_F(TaskServiceTest, ALeaseThatEndedWhileDownEndsAfterRecovery) {
  TaskSpec s = spec();
  s.timeout = 10'000;
  s.retry.initial_backoff = 1'000;
  enqueue(s);
  TaskRecord t = claim().at(0);
  h.close();
  h.clock.advance(60'000);
  h.open();
  h.fire_timers();
  EXPECT_EQ(tasks().stats().lease_expiries, 1u);
  EXPECT_EQ(tasks().running_tasks(), 0u);
  h.advance(1'000);
  auto again = claim();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
}

// Earlier versions stored a lease's end as a "%L" timer row. Such a row
// fires, is deleted, and ends nothing: the in-memory timer armed from the
// running task at recovery ends the lease at its time.
TEST_F(TaskServiceTest, ALeaseRowOfAnEarlierVersionIsDeletedWhenItFiresAndEndsNothing) {
  TaskSpec s = spec();
  s.timeout = 10'000;
  enqueue(s);
  TaskRecord t = claim().at(0);
  h.close();
  {
    RocksDbOptions storage;
    storage.path = h.dir.sub("data");
    auto store = RocksDbStore::open(storage);
    ASSERT_TRUE(store) << store.error().to_string();
    Batch row;
    row.put(Cf::kTimers, keys::timer_key(t.lease_expires_at - 5'000, "%L" + t.id), "");
    const Batch* batches[] = {&row};
    ASSERT_TRUE((*store)->write(batches));
  }
  h.open();
  h.advance(6'000);
  EXPECT_EQ(tasks().stats().lease_expiries, 0u);
  auto rows = sync<std::vector<keys::TimerKey>>(
      [&](auto reply) { h.engine->timers(h.clock.now_ms() + 1'000'000, 100, std::move(reply)); });
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty()) << "the old row is deleted";
  h.advance(4'000);
  EXPECT_EQ(tasks().stats().lease_expiries, 1u) << "the lease ends at its own time";
}

// POST /api/v1/tasks:complete's engine half: the completions of running
// tasks share one commit; each is answered as a single completion would
// be (a stale lease, a task named twice or unknown is refused alone).
TEST_F(TaskServiceTest, ManyCompletionsCommitTogetherAndEachIsAnsweredAsAlone) {
  for (int i = 0; i < 3; ++i) enqueue(spec("send", {{"n", i}}));
  auto got = claim(3);
  ASSERT_EQ(got.size(), 3u);
  std::vector<TaskCompletion> batch = {{got[0].id, got[0].lease, {{"ok", 0}}},
                                       {got[1].id, "stale", nullptr},
                                       {got[2].id, got[2].lease, nullptr},
                                       {got[0].id, got[0].lease, nullptr},
                                       {"no-such-task", "x", nullptr}};
  uint64_t writes = h.engine->commit_stats().writes;
  auto r = sync<std::vector<Result<TaskRecord>>>(
      [&](auto reply) { tasks().complete_many(std::move(batch), std::move(reply)); });
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 5u);
  ASSERT_TRUE((*r)[0]);
  EXPECT_EQ((*r)[0]->status, TaskStatus::kCompleted);
  EXPECT_EQ((*r)[1].error().code, ErrorCode::kConflict) << "a stale lease";
  ASSERT_TRUE((*r)[2]);
  EXPECT_EQ((*r)[3].error().code, ErrorCode::kConflict) << "completed once, not twice";
  EXPECT_EQ((*r)[4].error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.engine->commit_stats().writes, writes + 1) << "one synced write for the batch";
  EXPECT_EQ(stored(got[0].id)->result, (nlohmann::json{{"ok", 0}}));
  EXPECT_EQ(stored(got[1].id)->status, TaskStatus::kRunning);
  EXPECT_EQ(stored(got[2].id)->status, TaskStatus::kCompleted);
  EXPECT_EQ(count(TaskStatus::kCompleted), 2u);
  EXPECT_EQ(count(TaskStatus::kRunning), 1u);
  h.reopen();
  EXPECT_EQ(count(TaskStatus::kCompleted), 2u) << "the queue's counts were committed with them";
  EXPECT_EQ(count(TaskStatus::kRunning), 1u);
}

// Retention: finished tasks go with the instances' retention, with their
// index keys and their place in the queue's counts; pending, running and
// recently finished ones stay.
TEST_F(TaskServiceTest, FinishedTasksPastRetentionAreDeletedAndTheCountsFollow) {
  h.close();
  h.options.retention.retention = kDayMs;
  h.open();
  std::string done_id = enqueue(spec("send", {{"n", 1}})).task_id;
  auto got = claim(1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(complete(got[0]));
  std::string cancelled = enqueue(spec("send", {{"n", 2}})).task_id;
  ASSERT_TRUE(sync<TaskRecord>([&](auto reply) { tasks().cancel(cancelled, std::move(reply)); }));
  std::string pending = enqueue(spec("send", {{"n", 3}})).task_id;
  h.clock.advance(kDayMs + 1);
  std::string recent = enqueue(spec("send", {{"n", 4}})).task_id;
  ASSERT_EQ(claim(2).size(), 2u);  // pending and recent are running now
  auto sweep = [&] {
    std::optional<SweepResult> swept;
    h.engine->sweep_now([&](SweepResult r) { swept = r; });
    for (int i = 0; i < 100 && !swept; ++i) h.loop.run_once();  // the plan runs on the query pool
    h.drain();
    return swept;
  };
  auto swept = sweep();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->tasks_deleted, 2u);
  EXPECT_EQ(stored(done_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(stored(cancelled).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(stored(pending)->status, TaskStatus::kRunning);
  EXPECT_EQ(count(TaskStatus::kCompleted), 0u);
  EXPECT_EQ(count(TaskStatus::kCancelled), 0u);
  EXPECT_EQ(count(TaskStatus::kRunning), 2u);
  h.reopen();
  EXPECT_EQ(count(TaskStatus::kCompleted), 0u) << "the counts were committed with the deletes";
  EXPECT_EQ(count(TaskStatus::kRunning), 2u);
  swept = sweep();
  ASSERT_TRUE(swept);
  EXPECT_EQ(swept->tasks_deleted, 0u) << "nothing else is old enough";
}

TEST_F(TaskServiceTest, AHeartbeatKeepsTheLeaseAndALeaseSurvivesARestart) {
  TaskSpec s = spec();
  s.timeout = 10'000;
  enqueue(s);
  TaskRecord t = claim().at(0);
  h.advance(8'000);
  auto beat = sync<TaskRecord>([&](auto reply) { tasks().heartbeat(t.id, t.lease, std::move(reply)); });
  ASSERT_TRUE(beat);
  h.advance(8'000);
  EXPECT_EQ(tasks().stats().lease_expiries, 0u);
  h.reopen();
  EXPECT_EQ(tasks().running_tasks(), 1u);
  auto beat2 = sync<TaskRecord>([&](auto reply) { tasks().heartbeat(t.id, t.lease, std::move(reply)); });
  ASSERT_TRUE(beat2) << "the lease outlives the restart";
  h.advance(10'000);
  EXPECT_EQ(tasks().stats().lease_expiries, 1u) << "and its countdown goes on after it";
  EXPECT_EQ(
      sync<TaskRecord>([&](auto reply) { tasks().heartbeat(t.id, t.lease, std::move(reply)); }).error().code,
      ErrorCode::kConflict);
}

TEST_F(TaskServiceTest, FailuresRetryUntilMaxAttemptsThenTheTaskIsDeadUntilRetried) {
  TaskSpec s = spec();
  s.retry.max_attempts = 2;
  s.retry.initial_backoff = 0;
  std::string id = enqueue(s).task_id;
  for (int i = 0; i < 2; ++i) {
    TaskRecord t = claim().at(0);
    auto failed = sync<TaskRecord>([&](auto reply) {
      tasks().fail(t.id, t.lease, TaskFailure{"boom", true, std::nullopt}, std::move(reply));
    });
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, i == 0 ? TaskStatus::kPending : TaskStatus::kFailed);
  }
  EXPECT_TRUE(claim().empty());
  EXPECT_EQ(count(TaskStatus::kFailed), 1u);
  auto revived = sync<TaskRecord>([&](auto reply) { tasks().retry(id, std::move(reply)); });
  ASSERT_TRUE(revived) << revived.error().to_string();
  EXPECT_EQ(claim().at(0).attempt, 1u);
}

TEST_F(TaskServiceTest, CancelEndsAPendingTaskAndNothingElse) {
  EnqueueResult e = enqueue(spec());
  auto cancelled = sync<TaskRecord>([&](auto reply) { tasks().cancel(e.task_id, std::move(reply)); });
  ASSERT_TRUE(cancelled) << cancelled.error().to_string();
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  EXPECT_TRUE(claim().empty()) << "a cancelled task leaves the ready window";
  EXPECT_EQ(sync<TaskRecord>([&](auto reply) { tasks().cancel(e.task_id, std::move(reply)); }).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(sync<TaskRecord>([&](auto reply) { tasks().cancel("nope", std::move(reply)); }).error().code,
            ErrorCode::kNotFound);
}

TEST_F(TaskServiceTest, MaxInFlightAndPauseLimitWhatIsHandedOut) {
  for (int i = 0; i < 3; ++i) enqueue(spec());
  ASSERT_TRUE(sync<QueueView>([&](auto reply) {
    tasks().configure("emails", QueueSettings{std::nullopt, 1, std::nullopt}, std::move(reply));
  }));
  auto first = claim(5);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_TRUE(claim(5).empty());
  ASSERT_TRUE(complete(first[0]));
  ASSERT_TRUE(sync<QueueView>([&](auto reply) {
    tasks().configure("emails", QueueSettings{true, 0, std::nullopt}, std::move(reply));
  }));
  EXPECT_TRUE(claim(5).empty()) << "paused";
  std::optional<Result<std::vector<TaskRecord>>> waiting;
  tasks().claim(ClaimRequest{"emails", "w2", 5, 30'000, {}, nullptr},
                [&](auto r) { waiting = std::move(r); });
  h.drain();
  EXPECT_FALSE(waiting);
  ASSERT_TRUE(sync<QueueView>([&](auto reply) {
    tasks().configure("emails", QueueSettings{false, std::nullopt, std::nullopt}, std::move(reply));
  }));
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->value().size(), 2u)
      << "resume wakes the waiting claim; max_in_flight 0 lifted the limit";
}

TEST_F(TaskServiceTest, AWaitingClaimIsAnsweredWhenATaskArrivesAndEmptyWhenItsWaitEnds) {
  std::optional<Result<std::vector<TaskRecord>>> waiting;
  tasks().claim(ClaimRequest{"emails", "w1", 1, 30'000, {"send"}, nullptr},
                [&](auto r) { waiting = std::move(r); });
  h.drain();
  EXPECT_FALSE(waiting);
  enqueue(spec("other"));
  EXPECT_FALSE(waiting) << "a type it did not ask for";
  EnqueueResult e = enqueue(spec("send"));
  ASSERT_TRUE(waiting);
  ASSERT_EQ(waiting->value().size(), 1u);
  EXPECT_EQ(waiting->value()[0].id, e.task_id);
}

TEST_F(TaskServiceTest, ADelayedTaskIsReadyAtItsTime) {
  TaskSpec s = spec();
  s.delay = 60'000;
  enqueue(s);
  EXPECT_TRUE(claim().empty());
  h.advance(59'000);
  EXPECT_TRUE(claim().empty());
  h.advance(1'000);
  EXPECT_EQ(claim().size(), 1u);
}

// With more ready tasks than a window holds, after a restart (nothing
// loaded) and while claims move the windows on, the oldest ready task is
// still found: memory for what the windows hold, the disk past them.
TEST_F(TaskServiceTest, TheOldestReadyTaskIsFoundPastWhatTheWindowsHold) {
  h.close();
  h.options.tasks.window.max_tasks = 4;
  h.open();
  std::vector<std::pair<int64_t, TimeMs>> ready;  // (priority, ready at) of each enqueued task
  for (int i = 0; i < 30; ++i) {
    TaskSpec s = spec(i % 3 == 0 ? "call" : "send", {{"n", i}});
    s.priority = (i * 7) % 4;
    h.clock.advance(10);
    enqueue(s);
  }
  auto expected = [&] {  // the oldest of what is still ready, the long way
    auto all = sync<std::vector<TaskRecord>>([&](auto reply) {
      h.engine->read<std::vector<TaskRecord>>(
          [](Store& st) -> Result<std::vector<TaskRecord>> {
            std::vector<TaskRecord> out;
            SUNDIAL_TRY(scan_prefix(st, Cf::kTasks, "", [&](std::string_view, std::string_view v) {
              if (auto t = decode_task(v); t && is_ready(*t)) out.push_back(std::move(*t));
              return true;
            }));
            return out;
          },
          std::move(reply));
    });
    std::optional<TimeMs> min;
    for (const auto& t : *all)
      if (!min || t.ready_at < *min) min = t.ready_at;
    return min;
  };
  h.reopen();
  EXPECT_EQ(*oldest_ready(), expected()) << "right after a restart";
  while (true) {
    auto got = claim(2);
    if (got.empty()) break;
    for (auto& t : got) ASSERT_TRUE(complete(t));
    EXPECT_EQ(*oldest_ready(), expected());
  }
  EXPECT_EQ(*oldest_ready(), std::nullopt);
}

TEST_F(TaskServiceTest, PriorityGoesFirstAndMoreTasksThanTheWindowComeOutInOrderAfterARestart) {
  h.close();
  h.options.tasks.window.max_tasks = 4;
  h.open();
  for (int i = 0; i < 20; ++i) {
    TaskSpec s = spec("send", {{"n", i}});
    h.clock.advance(1);
    enqueue(s);
  }
  TaskSpec urgent = spec("send", {{"n", "urgent"}});
  urgent.priority = 10;
  enqueue(urgent);
  h.reopen();
  std::vector<nlohmann::json> seen;
  while (true) {
    auto got = claim(3);
    if (got.empty()) break;
    for (auto& t : got) {
      seen.push_back(t.payload.value()["n"]);
      ASSERT_TRUE(complete(t));
    }
  }
  ASSERT_EQ(seen.size(), 21u);
  EXPECT_EQ(seen[0], "urgent");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[static_cast<size_t>(i) + 1], i);
  EXPECT_EQ(count(TaskStatus::kCompleted), 21u);
}

TEST_F(TaskServiceTest, AWorkflowStepEnqueuesItsTaskOnceAcrossARestartAndTakesItsResult) {
  ASSERT_TRUE(h.start("test.task", "img-1", {{"src", "a.png"}}));
  auto claimed = claim(5, {}, "images");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, TaskService::workflow_task_id("img-1", "resize"));
  EXPECT_EQ(claimed[0].instance_id, "img-1");
  EXPECT_EQ(claimed[0].payload.value(), (nlohmann::json{{"src", "a.png"}}));
  h.reopen();  // the instance waits in its step; recovery runs the step again
  EXPECT_TRUE(claim(5, {}, "images").empty()) << "the step found its task instead of enqueuing another";
  EXPECT_EQ(tasks().queue("images")->record.counts[status_slot(TaskStatus::kRunning)], 1u);
  ASSERT_TRUE(complete(claimed[0], {{"thumb", "a-64.png"}}));
  auto inst = h.describe("img-1");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->status, InstanceStatus::kCompleted);
  EXPECT_EQ(inst->result, (nlohmann::json{{"thumb", "a-64.png"}}));
}

TEST_F(TaskServiceTest, ADeadTaskFailsItsStepAndRetryingTheInstanceRevivesTheTask) {
  ASSERT_TRUE(h.start("test.task", "img-2", {{"src", "b.png"}}));
  TaskRecord t = claim(1, {}, "images").at(0);
  ASSERT_TRUE(sync<TaskRecord>([&](auto reply) {
    tasks().fail(t.id, t.lease, TaskFailure{"corrupt image", false, std::nullopt}, std::move(reply));
  }));
  auto failed = h.describe("img-2");
  EXPECT_EQ(failed->status, InstanceStatus::kFailed);
  EXPECT_NE(failed->last_error.find("corrupt image"), std::string::npos) << failed->last_error;
  ASSERT_TRUE(h.retry("img-2"));
  auto again = claim(1, {}, "images");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, t.id) << "the same task, revived";
  EXPECT_EQ(again[0].attempt, 1u);
  ASSERT_TRUE(complete(again[0], "ok"));
  EXPECT_EQ(h.describe("img-2")->status, InstanceStatus::kCompleted);
}

}  // namespace
}  // namespace sundial
