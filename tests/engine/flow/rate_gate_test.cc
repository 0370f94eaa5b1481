// RateGate on a real loop with a ManualClock: the clock alone decides what
// passes. Rates are high (a token per millisecond or two) so that the real
// uv timer the gate arms while calls wait is never more than a couple of
// milliseconds; no assertion depends on real time.
#include "engine/flow/rate_gate.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace sundial {
namespace {

class RateGateTest : public ::testing::Test {
 protected:
  void make_gate(double rate_per_second, double burst) {
    gate = std::make_unique<RateGate>(loop, clock, rate_per_second, burst);
  }
  // Queues call number `ran.size() + waiting` ... recorded in order when it runs.
  void acquire(int n) {
    for (int i = 0; i < n; ++i) {
      int id = next_id++;
      gate->acquire([this, id] { ran.push_back(id); });
    }
  }
  // Lets the gate's timer fire a few times without moving the clock.
  void pump() {
    for (int i = 0; i < 4; ++i) loop.run_once();
  }
  // Pumps until `count` calls ran (bounded), then a little more, so a call
  // that should not have run yet would show.
  void pump_until(size_t count) {
    for (int i = 0; i < 200 && ran.size() < count; ++i) loop.run_once();
    pump();
  }
  std::vector<int> ids(int from, int to) {
    std::vector<int> out;
    for (int i = from; i < to; ++i) out.push_back(i);
    return out;
  }

  Loop loop;
  ManualClock clock;
  std::unique_ptr<RateGate> gate;
  std::vector<int> ran;
  int next_id = 0;
};

TEST_F(RateGateTest, ABurstGoesAtOnceAndTheRestWaitForRefill) {
  make_gate(1000, 3);  // a token per millisecond
  acquire(5);
  EXPECT_EQ(ran, ids(0, 3));  // the burst, synchronously
  EXPECT_EQ(gate->waiting(), 2u);
  pump();
  EXPECT_EQ(ran.size(), 3u) << "the clock did not move: no token came back";
  clock.advance(1);
  pump_until(4);
  EXPECT_EQ(ran, ids(0, 4));
  clock.advance(1);
  pump_until(5);
  EXPECT_EQ(ran, ids(0, 5));  // in the order acquired
  EXPECT_EQ(gate->waiting(), 0u);
}

TEST_F(RateGateTest, RefillNeverExceedsTheBurst) {
  make_gate(1000, 3);
  acquire(3);
  ASSERT_EQ(ran.size(), 3u);
  clock.advance(60 * kSecondMs);  // 60000 tokens' worth of time
  acquire(10);
  EXPECT_EQ(ran.size(), 6u);  // only a burst
  EXPECT_EQ(gate->waiting(), 7u);
  pump();
  EXPECT_EQ(ran.size(), 6u);
  clock.advance(2);
  pump_until(8);
  EXPECT_EQ(ran.size(), 8u);
}

TEST_F(RateGateTest, FractionsOfATokenAccumulate) {
  make_gate(500, 1);  // a token every 2 ms
  acquire(3);
  EXPECT_EQ(ran.size(), 1u);
  clock.advance(1);  // half a token
  pump();
  EXPECT_EQ(ran.size(), 1u);
  clock.advance(1);
  pump_until(2);
  EXPECT_EQ(ran.size(), 2u);
  clock.advance(3);  // a token and a half
  pump_until(3);
  EXPECT_EQ(ran, ids(0, 3));
}

TEST_F(RateGateTest, AHoldBlocksEverythingUntilRetryAfterPasses) {
  make_gate(1000, 3);
  gate->hold_for(5 * kSecondMs);  // a 429 with Retry-After: 5
  // Long enough for the bucket to be full many times over; still held.
  clock.advance(5 * kSecondMs - 2);
  acquire(5);
  EXPECT_TRUE(ran.empty());
  pump();
  EXPECT_TRUE(ran.empty());
  clock.advance(1);  // 1 ms left
  pump();
  EXPECT_TRUE(ran.empty());
  EXPECT_EQ(gate->waiting(), 5u);
  clock.advance(1);  // Retry-After has passed
  pump_until(3);
  // The time held is credited, but never more than a burst.
  EXPECT_EQ(ran, ids(0, 3));
  clock.advance(2);
  pump_until(5);
  EXPECT_EQ(ran, ids(0, 5));
}

TEST_F(RateGateTest, AHoldWhileCallsWaitStopsThemToo) {
  make_gate(1000, 2);
  acquire(4);
  ASSERT_EQ(ran.size(), 2u);      // two in flight, two waiting for tokens
  gate->hold_for(3 * kSecondMs);  // one of the two in flight answered 429
  clock.advance(3 * kSecondMs - 1);
  pump();
  acquire(2);
  pump();
  EXPECT_EQ(ran.size(), 2u) << "nothing passes during the hold";
  EXPECT_EQ(gate->waiting(), 4u);
  clock.advance(1);
  pump_until(4);
  EXPECT_EQ(ran, ids(0, 4));  // a burst of two, in order
  clock.advance(2);
  pump_until(6);
  EXPECT_EQ(ran, ids(0, 6));
}

TEST_F(RateGateTest, AShorterHoldNeverShortensALongerOne) {
  make_gate(1000, 3);
  gate->hold_for(5 * kSecondMs);
  gate->hold_for(1 * kSecondMs);
  clock.advance(5 * kSecondMs - 1);
  acquire(1);
  pump();
  EXPECT_TRUE(ran.empty());
  clock.advance(1);
  pump_until(1);
  EXPECT_EQ(ran, ids(0, 1));
}

// A connector calling its gate from a worker thread would race the loop on
// the queue and the timer: it aborts instead, naming the entry point.
TEST(RateGateDeathTest, CallsOffTheLoopThreadAbortWithAClearMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Loop loop;
        ManualClock clock;
        RateGate gate(loop, clock, 1000, 1);
        std::thread other([&] { gate.acquire([] {}); });
        other.join();
      },
      "acquire");
  EXPECT_DEATH(
      {
        Loop loop;
        ManualClock clock;
        RateGate gate(loop, clock, 1000, 1);
        std::thread other([&] { gate.hold_for(10); });
        other.join();
      },
      "hold_for");
}

}  // namespace
}  // namespace sundial
