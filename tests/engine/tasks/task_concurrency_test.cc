// Concurrency keys on task enqueues (engine/tasks/task_service.h,
// docs/tasks.md "Concurrency keys"): tasks with one key are handed out at
// most `limit` at a time in arrival order, the others wait as `queued`;
// coalesce folds a burst into one follow-up, drop creates nothing; slots
// and follow-ups survive a restart; a random schedule of enqueues, claims,
// completions, failures, cancels and restarts never runs two tasks of a
// limit-1 key at once. A real engine on RocksDB, a ManualClock.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/flow/limiters.h"
#include "tests/engine/tasks/task_service_fixture.h"

namespace sundial {
namespace {

using testing::TaskServiceTest;

class TaskKeysTest : public TaskServiceTest {
 protected:
  TaskSpec keyed(std::string key, nlohmann::json payload, OnBusy on_busy = OnBusy::kQueue,
                 CoalesceMerge merge = CoalesceMerge::kLatest, uint32_t limit = 1) {
    TaskSpec s = spec("recompute", std::move(payload));
    s.concurrency = ConcurrencySpec{};
    s.concurrency->key = std::move(key);
    s.concurrency->limit = limit;
    s.concurrency->on_busy = on_busy;
    s.concurrency->merge = merge;
    s.retry.max_attempts = kMaxTaskAttempts;
    s.retry.initial_backoff = 0;
    return s;
  }
  Result<TaskRecord> cancel(const std::string& id) {
    return sync<TaskRecord>([&](auto reply) { tasks().cancel(id, std::move(reply)); });
  }
  Result<TaskRecord> fail(const TaskRecord& t, bool retryable) {
    return sync<TaskRecord>([&](auto reply) {
      tasks().fail(t.id, t.lease, TaskFailure{"boom", retryable, std::nullopt}, std::move(reply));
    });
  }
};

TEST_F(TaskKeysTest, OneKeyIsHandedOutOneAtATimeInArrivalOrderAndOtherKeysRunBeside) {
  EnqueueResult a1 = enqueue(keyed("assignee:1", 1));
  EnqueueResult a2 = enqueue(keyed("assignee:1", 2));
  EnqueueResult a3 = enqueue(keyed("assignee:1", 3));
  EnqueueResult b1 = enqueue(keyed("assignee:2", 1));
  EXPECT_EQ(a1.status, TaskStatus::kPending);
  EXPECT_EQ(a2.status, TaskStatus::kQueued);
  EXPECT_EQ(a3.status, TaskStatus::kQueued);
  EXPECT_EQ(b1.status, TaskStatus::kPending);
  EXPECT_EQ(count(TaskStatus::kQueued), 2u);
  EXPECT_EQ(tasks().key_slots().position("assignee:1", a3.task_id), 2u);
  auto first = claim(10);
  ASSERT_EQ(first.size(), 2u) << "one per key";
  std::set<std::string> got{first[0].id, first[1].id};
  EXPECT_EQ(got, (std::set<std::string>{a1.task_id, b1.task_id}));
  EXPECT_TRUE(claim(10).empty());
  TaskRecord running_a1 = first[0].id == a1.task_id ? first[0] : first[1];
  ASSERT_TRUE(complete(running_a1));
  auto second = claim(10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, a2.task_id) << "the next in arrival order";
  auto stored_a3 = stored(a3.task_id);
  ASSERT_TRUE(stored_a3);
  EXPECT_EQ(stored_a3->status, TaskStatus::kQueued);
  EXPECT_EQ(stored_a3->slot, SlotState::kQueued);
  ASSERT_TRUE(complete(second[0]));
  EXPECT_EQ(claim(10).at(0).id, a3.task_id);
}

TEST_F(TaskKeysTest, ALimitOfTwoLetsTwoRunAndAFailureThatBacksOffKeepsItsSlot) {
  TaskSpec s = keyed("notion", nullptr, OnBusy::kQueue, CoalesceMerge::kLatest, 2);
  s.retry.initial_backoff = 5'000;
  for (int i = 0; i < 3; ++i) enqueue(s);
  auto two = claim(10);
  ASSERT_EQ(two.size(), 2u);
  auto backing_off = fail(two[0], /*retryable=*/true);
  ASSERT_TRUE(backing_off);
  EXPECT_EQ(backing_off->status, TaskStatus::kPending);
  EXPECT_EQ(backing_off->slot, SlotState::kHolding) << "a retry's backoff keeps the slot";
  EXPECT_TRUE(claim(10).empty()) << "the third still waits";
  h.advance(5'000);
  auto again = claim(10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, two[0].id);
  auto dead = fail(again[0], /*retryable=*/false);
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->status, TaskStatus::kFailed);
  EXPECT_EQ(dead->slot, SlotState::kNone);
  EXPECT_EQ(claim(10).size(), 1u) << "a dead task hands its slot on";
  // Retried, the dead task arrives again: the key is full, so it queues.
  auto revived = sync<TaskRecord>([&](auto reply) { tasks().retry(dead->id, std::move(reply)); });
  ASSERT_TRUE(revived) << revived.error().to_string();
  EXPECT_EQ(revived->status, TaskStatus::kQueued);
}

TEST_F(TaskKeysTest, CoalescingFoldsABurstIntoOneFollowUpAndDropCreatesNothing) {
  EnqueueResult running = enqueue(keyed("k", 0, OnBusy::kCoalesce));
  EnqueueResult follow_up = enqueue(keyed("k", 1, OnBusy::kCoalesce));
  EXPECT_TRUE(follow_up.created);
  EXPECT_EQ(follow_up.status, TaskStatus::kQueued);
  for (int i = 2; i <= 20; ++i) {
    EnqueueResult folded = enqueue(keyed("k", i, OnBusy::kCoalesce));
    EXPECT_FALSE(folded.created);
    EXPECT_TRUE(folded.coalesced);
    EXPECT_EQ(folded.task_id, follow_up.task_id);
  }
  EnqueueResult dropped = enqueue(keyed("k", 99, OnBusy::kDrop));
  EXPECT_TRUE(dropped.dropped);
  EXPECT_FALSE(dropped.created);
  EXPECT_EQ(dropped.task_id, running.task_id) << "the answer names a holder";
  EXPECT_EQ(count(TaskStatus::kQueued) + count(TaskStatus::kPending), 2u) << "a burst of 21 made two tasks";
  auto first = claim(10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].payload.value(), 0);
  ASSERT_TRUE(complete(first[0]));
  auto next = claim(10);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].id, follow_up.task_id);
  EXPECT_EQ(next[0].payload.value(), 20) << "the latest payload";
  // The follow-up runs: the next busy enqueue starts a new one.
  EnqueueResult fresh = enqueue(keyed("k", 21, OnBusy::kCoalesce));
  EXPECT_TRUE(fresh.created);
  EXPECT_NE(fresh.task_id, follow_up.task_id);
}

TEST_F(TaskKeysTest, AListMergeGathersEveryPayloadInOrderAcrossARestart) {
  auto list = [&](int n) { return keyed("k", n, OnBusy::kCoalesce, CoalesceMerge::kList); };
  EnqueueResult first = enqueue(list(0));
  enqueue(list(1));
  enqueue(list(2));
  h.reopen();
  EnqueueResult after = enqueue(list(3));
  EXPECT_TRUE(after.coalesced) << "the follow-up is read back at recovery";
  // One batch can fold into what it made itself.
  auto batch = sync<std::vector<EnqueueResult>>([&](auto reply) {
    tasks().enqueue({list(4), list(5)}, std::move(reply));
  });
  ASSERT_TRUE(batch);
  EXPECT_TRUE((*batch)[1].coalesced);
  auto running = claim(10);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, first.task_id);
  EXPECT_EQ(running[0].payload.value(), nlohmann::json::array({0})) << "a list even for one";
  ASSERT_TRUE(complete(running[0]));
  auto gathered = claim(10);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_EQ(gathered[0].payload.value(), nlohmann::json::array({1, 2, 3, 4, 5}));
  EXPECT_EQ(gathered[0].folded, 4u);
}

TEST_F(TaskKeysTest, ACancelledWaiterNeverRunsAndSlotsAndWaitersSurviveARestart) {
  EnqueueResult a = enqueue(keyed("k", 1));
  EnqueueResult b = enqueue(keyed("k", 2));
  EnqueueResult c = enqueue(keyed("k", 3));
  auto cancelled = cancel(b.task_id);
  ASSERT_TRUE(cancelled) << cancelled.error().to_string();
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  TaskRecord leased = claim().at(0);
  EXPECT_EQ(leased.id, a.task_id);
  h.reopen();
  EXPECT_TRUE(claim().empty()) << "the lease and the waiter are back";
  EXPECT_EQ(tasks().key_slots().position("k", c.task_id), 1u);
  ASSERT_TRUE(complete(leased));
  EXPECT_EQ(claim().at(0).id, c.task_id);
}

TEST_F(TaskKeysTest, ADelayedTaskArrivesUnderItsKeyWhenItsDelayEnds) {
  TaskSpec later = keyed("k", "later");
  later.delay = 10'000;
  EnqueueResult delayed = enqueue(later);
  EnqueueResult now = enqueue(keyed("k", "now"));
  EXPECT_EQ(now.status, TaskStatus::kPending) << "a delayed task holds no slot while it waits";
  TaskRecord running = claim().at(0);
  h.advance(10'000);
  auto stored_delayed = stored(delayed.task_id);
  ASSERT_TRUE(stored_delayed);
  EXPECT_EQ(stored_delayed->status, TaskStatus::kQueued) << "arrived while the key was busy";
  ASSERT_TRUE(complete(running));
  EXPECT_EQ(claim().at(0).id, delayed.task_id);
}

TEST_F(TaskKeysTest, AWorkflowTaskStepRefusesCoalesceAndDrop) {
  TaskSpec s = keyed("k", 1, OnBusy::kCoalesce);
  std::optional<Result<nlohmann::json>> done;
  tasks().run_task(StepInfo{"wf-1", "step", 1, "wf-1/step", 1}, s,
                   [&](Result<nlohmann::json> r) { done = std::move(r); });
  h.drain();
  ASSERT_TRUE(done);
  ASSERT_FALSE(*done);
  EXPECT_EQ(done->error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TaskKeysTest, AQueueNamingALimiterHandsOutNoMoreThanItsRateAndWakesAWaitingClaim) {
  Limiters limiters(h.loop, h.clock, {{"notion", LimiterSpec{1000, 2}}});
  tasks().use_limiters(&limiters);
  auto configure = [&](std::optional<std::string> limit) {
    return sync<QueueView>([&](auto reply) {
      tasks().configure("emails", QueueSettings{std::nullopt, std::nullopt, std::move(limit)},
                        std::move(reply));
    });
  };
  auto unknown = configure("nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(configure("notion:acme"));
  for (int i = 0; i < 5; ++i) enqueue(spec());
  EXPECT_EQ(claim(10).size(), 2u) << "the burst";
  EXPECT_TRUE(claim(10).empty());
  h.clock.advance(1);
  EXPECT_EQ(claim(10).size(), 1u) << "one token a millisecond";
  std::optional<Result<std::vector<TaskRecord>>> waiting;
  tasks().claim(ClaimRequest{"emails", "w2", 10, 30'000, {}, nullptr},
                [&](auto r) { waiting = std::move(r); });
  h.drain();
  EXPECT_FALSE(waiting) << "no token yet";
  h.clock.advance(1);
  for (int i = 0; i < 100 && !waiting; ++i) h.loop.run_once();  // the limiter's timer wakes the claim
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->value().size(), 1u);
  ASSERT_TRUE(configure(""));
  EXPECT_EQ(claim(10).size(), 1u) << "no limit: the rest";
  h.reopen();
  tasks().use_limiters(&limiters);
  EXPECT_EQ(tasks().queue("emails")->record.limit, "") << "settings are stored";
}

// Random schedules over three keys of limit 1: no key ever has two tasks
// leased at once, tasks of a key are first leased in arrival order, and
// every task that is not cancelled or dropped eventually runs.
TEST_F(TaskKeysTest, RandomSchedulesNeverLeaseTwoTasksOfAKeyAtOnce) {
  std::mt19937 rng(20261201);
  const std::vector<std::string> keys_used{"a", "b", "c"};
  std::map<std::string, std::string> key_of;              // task id → key
  std::map<std::string, std::vector<std::string>> order;  // key → ids in arrival order (queue only)
  std::map<std::string, std::vector<std::string>> leased_order;
  std::map<std::string, TaskRecord> leased;  // by id
  std::set<std::string> cancelled;
  for (int step = 0; step < 400; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 4) {
      std::string key = keys_used[rng() % keys_used.size()];
      EnqueueResult e = enqueue(keyed(key, step));
      ASSERT_TRUE(e.created);
      key_of[e.task_id] = key;
      order[key].push_back(e.task_id);
    } else if (op < 7) {
      for (TaskRecord& t : claim(3)) {
        const std::string& key = key_of.at(t.id);
        for (const auto& [id, other] : leased) {
          ASSERT_NE(key_of.at(id), key) << "two tasks of key " << key << " leased at once, step " << step;
        }
        if (std::find(leased_order[key].begin(), leased_order[key].end(), t.id) == leased_order[key].end())
          leased_order[key].push_back(t.id);
        leased[t.id] = t;
      }
    } else if (op < 9 && !leased.empty()) {
      auto it = std::next(leased.begin(), static_cast<long>(rng() % leased.size()));
      if (rng() % 4 == 0) {
        ASSERT_TRUE(fail(it->second, /*retryable=*/true));  // back at once (no backoff): keeps its slot
      } else {
        ASSERT_TRUE(complete(it->second));
      }
      leased.erase(it);
    } else if (op == 9) {
      if (rng() % 2 == 0) {
        h.reopen();
        leased.clear();
        // Leases survive a restart; the test forgets its copies and lets them run out.
        h.advance(kDefaultTaskTimeout);
      } else if (!order.empty()) {
        const auto& ids = order[keys_used[rng() % keys_used.size()]];
        if (!ids.empty()) {
          std::string id = ids[rng() % ids.size()];
          if (cancel(id)) cancelled.insert(id);
        }
      }
    }
  }
  // Drain: everything not cancelled runs, one at a time per key.
  for (int round = 0; round < 2000; ++round) {
    for (auto& [id, t] : leased) ASSERT_TRUE(complete(t));
    leased.clear();
    auto got = claim(10);
    if (got.empty()) {
      h.advance(kDefaultTaskTimeout);
      got = claim(10);
      if (got.empty()) break;
    }
    std::set<std::string> keys_now;
    for (auto& t : got) {
      ASSERT_TRUE(keys_now.insert(key_of.at(t.id)).second) << "two of one key in one claim";
      auto& lo = leased_order[key_of.at(t.id)];
      if (std::find(lo.begin(), lo.end(), t.id) == lo.end()) lo.push_back(t.id);
      leased[t.id] = t;
    }
  }
  for (const auto& [key, ids] : order) {
    std::vector<std::string> expected;
    for (const auto& id : ids) {
      if (!cancelled.contains(id)) expected.push_back(id);
    }
    EXPECT_EQ(leased_order[key], expected) << "key " << key << ": each ran, in arrival order";
  }
  EXPECT_EQ(count(TaskStatus::kQueued), 0u);
  EXPECT_EQ(count(TaskStatus::kPending), 0u);
}

}  // namespace
}  // namespace sundial
