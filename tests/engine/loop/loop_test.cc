// Loop: its loop-thread identity, post() from other threads, and the
// loop-thread check that guards loop-only classes.
#include "engine/loop/loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sundial {
namespace {

TEST(LoopTest, KnowsItsOwnThread) {
  Loop loop;
  EXPECT_TRUE(loop.is_loop_thread());
  bool elsewhere = true;
  std::thread other([&] { elsewhere = loop.is_loop_thread(); });
  other.join();
  EXPECT_FALSE(elsewhere);
}

TEST(LoopTest, PostedFunctionsRunOnTheLoopThreadInOrder) {
  Loop loop;
  std::vector<int> ran;
  bool on_loop = true;
  loop.add_ref();  // keep the loop alive until the posts arrive
  std::thread other([&] {
    for (int i = 0; i < 3; ++i) {
      loop.post([&, i] {
        on_loop = on_loop && loop.is_loop_thread();
        ran.push_back(i);
        if (i == 2) loop.release_ref();
      });
    }
  });
  other.join();
  loop.run();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(on_loop);
}

void loop_only_entry_point(Loop& loop) { SUNDIAL_CHECK_LOOP_THREAD(loop); }

TEST(LoopTest, TheLoopThreadCheckPassesOnTheLoop) {
  Loop loop;
  loop_only_entry_point(loop);  // does not abort
  SUCCEED();
}

TEST(LoopDeathTest, TheLoopThreadCheckAbortsOffTheLoopNamingTheCaller) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Loop loop;
        std::thread other([&] { loop_only_entry_point(loop); });
        other.join();
      },
      "loop_only_entry_point called off the loop thread");
}

}  // namespace
}  // namespace sundial
