// WorkPool and WorkScope: work runs off the loop and continues on it; a
// scope that goes away cancels what has not started and hears nothing more;
// a ThreadWorkPool can run at background priority.
#include "engine/loop/work_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <string>
#include <thread>

#include "engine/loop/thread_work_pool.h"
#include "tests/support/manual_work_pool.h"

namespace sundial {
namespace {

TEST(WorkPoolTest, WorkRunsOffTheLoopAndItsResultComesBackOnTheLoop) {
  Loop loop;
  UvWorkPool pool(loop);
  WorkScope scope(pool);
  bool work_on_loop = true;
  bool then_on_loop = false;
  std::string got;
  scope.run(
      [&] {
        work_on_loop = loop.is_loop_thread();
        return std::string("from the pool");
      },
      [&](std::string result) {
        then_on_loop = loop.is_loop_thread();
        got = std::move(result);
      });
  EXPECT_EQ(scope.outstanding(), 1u);
  loop.run();  // the job keeps the loop alive until its continuation ran
  EXPECT_FALSE(work_on_loop);
  EXPECT_TRUE(then_on_loop);
  EXPECT_EQ(got, "from the pool");
  EXPECT_EQ(scope.outstanding(), 0u);
}

TEST(WorkPoolTest, VoidWorkCallsAContinuationWithoutArguments) {
  Loop loop;
  UvWorkPool pool(loop);
  WorkScope scope(pool);
  int ran = 0;
  scope.run([&] { ran++; }, [&] { ran += 10; });
  loop.run();
  EXPECT_EQ(ran, 11);
}

TEST(WorkPoolTest, ADestroyedScopeWaitsForRunningWorkAndHearsNothing) {
  Loop loop;
  UvWorkPool pool(loop);
  bool continued = false;
  std::atomic<int> ran{0};
  {
    WorkScope scope(pool);
    for (int i = 0; i < 8; ++i) {
      scope.run(
          [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            ran++;
          },
          [&] { continued = true; });
    }
  }  // returns only once no job of the scope can still run
  int ran_at_destruction = ran.load();
  loop.run();
  EXPECT_FALSE(continued);
  EXPECT_EQ(ran.load(), ran_at_destruction);
  EXPECT_LE(ran_at_destruction, 8);
}

TEST(ThreadWorkPoolTest, BackgroundThreadsRunAtTheNiceValueTheyWereGiven) {
  Loop loop;
  ThreadWorkPool background(loop, 2, 7);
  ThreadWorkPool peers(loop, 1);
  WorkScope background_scope(background);
  WorkScope peers_scope(peers);
  const int loop_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  auto own_nice = [] { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); };
  std::vector<int> background_nice;
  int peer_nice = -100;
  for (int i = 0; i < 4; ++i) {
    background_scope.run(own_nice, [&](int nice) { background_nice.push_back(nice); });
  }
  peers_scope.run(own_nice, [&](int nice) { peer_nice = nice; });
  loop.run();
  // The loop thread keeps its own priority; an unprivileged process may
  // only lower priority, so the background threads end at 7 at least.
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), loop_nice);
  ASSERT_EQ(background_nice.size(), 4u);
  for (int nice : background_nice) EXPECT_EQ(nice, std::max(7, loop_nice));
  EXPECT_EQ(peer_nice, loop_nice);
}

TEST(ManualWorkPoolTest, CompletesJobsInTheOrderTheTestChooses) {
  Loop loop;
  testing::ManualWorkPool pool(loop);
  WorkScope scope(pool);
  std::string order;
  scope.run([] { return 'a'; }, [&](char c) { order += c; });
  scope.run([] { return 'b'; }, [&](char c) { order += c; });
  scope.run([] { return 'c'; }, [&](char c) { order += c; });
  EXPECT_EQ(pool.pending(), 3u);
  pool.complete(1);
  pool.complete_last();
  pool.complete_first();
  EXPECT_EQ(order, "bca");
}

TEST(ManualWorkPoolTest, JobsOfAGoneScopeNeitherRunNorContinue) {
  Loop loop;
  testing::ManualWorkPool pool(loop);
  bool worked = false;
  bool continued = false;
  {
    WorkScope scope(pool);
    scope.run([&] { worked = true; }, [&] { continued = true; });
  }  // the destructor lets the pool finish the job, cancelled
  EXPECT_EQ(pool.pending(), 0u);
  EXPECT_FALSE(worked);
  EXPECT_FALSE(continued);
}

}  // namespace
}  // namespace sundial
