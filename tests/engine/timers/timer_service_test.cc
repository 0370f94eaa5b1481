// TimerService's in-memory timers (engine/timers/timer_service.h): fired
// through OnDue like stored ones, disarmed by remove_in_memory(), dropped
// by reset(), and never fired while held (from construction and from a
// reset until release()). Real loop and RocksDB (an empty store: no stored
// timers), ManualClock, ManualWorkPool.
#include "engine/timers/timer_service.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/storage/rocksdb_store.h"
#include "tests/support/manual_work_pool.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

class TimerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock.set(1'000'000);
    RocksDbOptions options;
    options.path = dir.sub("data");
    auto opened = RocksDbStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    store = std::move(*opened);
    timers =
        std::make_unique<TimerService>(loop, clock, *store, pool, TimerWindowOptions{},
                                       [this](const keys::TimerKey& k) { fired.push_back(k.instance_id); });
  }
  // Polls until the window's scans are back (they find nothing).
  void poll() {
    timers->poll();
    while (pool.pending() > 0) {
      pool.complete(0);
      loop.run_nowait();
    }
  }

  Loop loop;
  ManualClock clock;
  testing::TempDir dir;
  testing::ManualWorkPool pool{loop};
  std::unique_ptr<Store> store;
  std::unique_ptr<TimerService> timers;
  std::vector<std::string> fired;
};

TEST_F(TimerServiceTest, InMemoryTimersFireInOrderOnceAndARemovedOneNever) {
  timers->release();
  timers->add_in_memory(clock.now_ms() + 300, "c");
  timers->add_in_memory(clock.now_ms() + 100, "a");
  timers->add_in_memory(clock.now_ms() + 200, "b");
  timers->add_in_memory(clock.now_ms() + 150, "gone");
  timers->remove_in_memory(clock.now_ms() + 150, "gone");
  timers->remove_in_memory(clock.now_ms() + 999, "never-added");  // no effect
  EXPECT_EQ(timers->in_memory(), 3u);
  clock.advance(250);
  poll();
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b"}));
  clock.advance(100);
  poll();
  poll();
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(timers->in_memory(), 0u);
  EXPECT_EQ(timers->stats().fired, 3u);
}

TEST_F(TimerServiceTest, NothingFiresWhileHeldAndAResetDropsInMemoryTimersAndHoldsAgain) {
  timers->add_in_memory(clock.now_ms() + 10, "early");
  clock.advance(100);
  poll();
  EXPECT_TRUE(fired.empty()) << "held from construction";
  timers->release();
  loop.run_nowait();
  EXPECT_EQ(fired, (std::vector<std::string>{"early"})) << "release() fires what came due";

  timers->add_in_memory(clock.now_ms() + 10, "dropped");
  timers->reset();
  EXPECT_EQ(timers->in_memory(), 0u);
  timers->add_in_memory(clock.now_ms() + 10, "re-armed");  // an owner's recovery
  clock.advance(100);
  poll();
  EXPECT_EQ(fired.size(), 1u) << "held again after the reset";
  timers->release();
  loop.run_nowait();
  EXPECT_EQ(fired, (std::vector<std::string>{"early", "re-armed"}));
}

}  // namespace
}  // namespace sundial
