// WorkPool and WorkScope: work runs off the loop and continues on it; a
// scope that goes away cancels what has not started and hears nothing more.
#include "engine/loop/work_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

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
