#include "engine/timers/timer_window.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>

namespace sundial {
namespace {

// Committed timers, as the `timers` column family would hold them.
class FakeTimerTable {
 public:
  void put(TimeMs due, const std::string& id) { rows_[keys::timer_key(due, id)] = {due, id}; }
  int scans = 0;

  std::vector<keys::TimerKey> read(const TimerScan& scan) {
    ++scans;
    std::vector<keys::TimerKey> out;
    for (auto it = rows_.lower_bound(keys::timer_key(scan.from, ""));
         it != rows_.end() && it->first < keys::timer_key(scan.to, ""); ++it) {
      out.push_back(it->second);
      if (scan.limit != 0 && out.size() == scan.limit) break;
    }
    return out;
  }

 private:
  std::map<std::string, keys::TimerKey> rows_;
};

// The window driven as TimerService drives it, with every scan answered at
// once: scan while the window asks, then take what is due.
class DrivenWindow {
 public:
  DrivenWindow(TimerWindowOptions options, FakeTimerTable& table) : window(options), table_(table) {}

  std::vector<keys::TimerKey> take_due(TimeMs now, size_t max) {
    std::vector<keys::TimerKey> out;
    for (;;) {
      while (auto scan = window.next_scan(now)) window.scan_done(*scan, table_.read(*scan));
      auto got = window.take_due(now, max - out.size());
      if (got.empty()) return out;
      for (auto& t : got) out.push_back(std::move(t));
      if (out.size() == max) return out;
    }
  }
  TimerWindow window;

 private:
  FakeTimerTable& table_;
};

std::vector<std::string> ids(const std::vector<keys::TimerKey>& timers) {
  std::vector<std::string> out;
  for (const auto& t : timers) out.push_back(t.instance_id);
  return out;
}

TEST(TimerWindowTest, NeverFiresBeforeDueAndFiresInDueOrder) {
  FakeTimerTable table;
  table.put(1500, "b");
  table.put(1200, "a");
  DrivenWindow driven({.span = 10000, .scan_limit = 100}, table);
  TimerWindow& window = driven.window;
  EXPECT_TRUE(driven.take_due(1000, 10).empty());
  EXPECT_EQ(window.next_wake(), 1200);
  EXPECT_EQ(ids(driven.take_due(1499, 10)), std::vector<std::string>{"a"});
  EXPECT_EQ(ids(driven.take_due(1500, 10)), std::vector<std::string>{"b"});
}

TEST(TimerWindowTest, FiresEqualDueTimesInInsertionOrder) {
  FakeTimerTable table;
  DrivenWindow driven({.span = 10000, .scan_limit = 100}, table);
  TimerWindow& window = driven.window;
  ASSERT_TRUE(driven.take_due(0, 10).empty());  // loads [0, 10000)
  window.add(500, "z");
  window.add(500, "a");
  window.add(500, "m");
  EXPECT_EQ(ids(driven.take_due(500, 10)), (std::vector<std::string>{"z", "a", "m"}));
}

TEST(TimerWindowTest, KeepsFarFutureTimersOnDiskOnly) {
  FakeTimerTable table;
  for (int i = 0; i < 1000; ++i) table.put(1'000'000'000 + i, "far" + std::to_string(i));
  DrivenWindow driven({.span = 60000, .scan_limit = 100}, table);
  TimerWindow& window = driven.window;
  EXPECT_TRUE(driven.take_due(0, 10).empty());
  EXPECT_EQ(window.in_memory(), 0u);
  window.add(2'000'000'000, "also-far");  // committed beyond the window: not held
  EXPECT_EQ(window.in_memory(), 0u);
}

TEST(TimerWindowTest, RefillsAsTimeMovesAndInPartsWhenDense) {
  FakeTimerTable table;
  for (int i = 0; i < 50; ++i) table.put(20000 + i, "t" + std::to_string(i));
  DrivenWindow driven({.span = 10000, .scan_limit = 8}, table);
  TimerWindow& window = driven.window;
  EXPECT_TRUE(driven.take_due(0, 100).empty());
  EXPECT_EQ(window.in_memory(), 0u);
  // Time moves on: the window reaches the dense stretch and loads it in parts.
  size_t fired = 0;
  for (int round = 0; round < 20 && fired < 50; ++round) fired += driven.take_due(20100, 100).size();
  EXPECT_EQ(fired, 50u);
  EXPECT_GT(table.scans, 2);
}

TEST(TimerWindowTest, LoadsAManyTimersOfOneDueTimeTogether) {
  FakeTimerTable table;
  for (int i = 0; i < 30; ++i) table.put(5000, "same" + std::to_string(i));
  DrivenWindow driven({.span = 10000, .scan_limit = 8}, table);
  size_t fired = 0;
  for (int round = 0; round < 10; ++round) fired += driven.take_due(5000, 100).size();
  EXPECT_EQ(fired, 30u);
}

TEST(TimerWindowTest, ClockJumpForwardFiresEverythingOverdueInBoundedBatches) {
  FakeTimerTable table;
  for (int i = 0; i < 100; ++i) table.put(1000 + i * 1000, "t" + std::to_string(i));
  DrivenWindow driven({.span = 5000, .scan_limit = 16}, table);
  EXPECT_EQ(driven.take_due(1000, 1000).size(), 1u);
  // The wall clock jumps a day ahead: every timer is overdue.
  TimeMs jumped = 86'400'000;
  size_t fired = 1;
  for (int round = 0; round < 100 && fired < 100; ++round) {
    auto batch = driven.take_due(jumped, 10);
    ASSERT_LE(batch.size(), 10u);
    fired += batch.size();
  }
  EXPECT_EQ(fired, 100u);
}

TEST(TimerWindowTest, ClockJumpBackwardHoldsTimersUntilTheirTime) {
  FakeTimerTable table;
  table.put(10'000, "a");
  DrivenWindow driven({.span = 60000, .scan_limit = 16}, table);
  EXPECT_TRUE(driven.take_due(9'000, 10).empty());
  EXPECT_TRUE(driven.take_due(1'000, 10).empty());  // clock went back
  EXPECT_EQ(ids(driven.take_due(10'000, 10)), std::vector<std::string>{"a"});
}

TEST(TimerWindowTest, ResetReloadsFromStorage) {
  FakeTimerTable table;
  table.put(100, "a");
  DrivenWindow driven({.span = 10000, .scan_limit = 16}, table);
  TimerWindow& window = driven.window;
  EXPECT_TRUE(driven.take_due(50, 10).empty());
  window.reset();
  EXPECT_EQ(ids(driven.take_due(100, 10)), std::vector<std::string>{"a"});
}

TEST(TimerWindowTest, ATimerCommittedWhileItsRangeIsScannedIsKept) {
  TimerWindow window({.span = 10000, .scan_limit = 100});
  auto scan = window.next_scan(0);
  ASSERT_TRUE(scan);
  EXPECT_FALSE(window.next_scan(0)) << "one scan at a time";
  // Committed after the scan read its range: the scan does not have it.
  window.add(500, "late");
  window.scan_done(*scan, {});
  EXPECT_EQ(ids(window.take_due(500, 10)), std::vector<std::string>{"late"});
}

TEST(TimerWindowTest, AScanAnsweredAfterResetIsIgnored) {
  FakeTimerTable table;
  table.put(100, "a");
  TimerWindow window({.span = 10000, .scan_limit = 100});
  auto stale = window.next_scan(0);
  ASSERT_TRUE(stale);
  window.reset();
  window.scan_done(*stale, table.read(*stale));  // from before the reset
  EXPECT_EQ(window.in_memory(), 0u);
  auto fresh = window.next_scan(0);
  ASSERT_TRUE(fresh);
  window.scan_done(*fresh, table.read(*fresh));
  EXPECT_EQ(ids(window.take_due(100, 10)), std::vector<std::string>{"a"});
}

TEST(TimerWindowTest, RefillsBeforeTheWindowRunsDry) {
  TimerWindow window({.span = 10000, .scan_limit = 100});
  auto first = window.next_scan(0);
  ASSERT_TRUE(first);
  window.scan_done(*first, {});
  EXPECT_EQ(window.loaded_until(), 10000);
  EXPECT_FALSE(window.next_scan(4000));
  // Half a span still loaded: the next scan starts now, ahead of need.
  auto next = window.next_scan(5000);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->from, 10000);
  EXPECT_EQ(next->to, 15000);
}

TEST(TimerWindowTest, AFailedScanIsAskedForAgain) {
  TimerWindow window({.span = 10000, .scan_limit = 100});
  auto scan = window.next_scan(0);
  ASSERT_TRUE(scan);
  window.scan_failed(*scan);
  auto again = window.next_scan(0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->from, scan->from);
}

TEST(TimerWindowTest, WakesForTimersNotForAScanUnderWay) {
  TimerWindow window({.span = 10000, .scan_limit = 100});
  auto scan = window.next_scan(0);
  ASSERT_TRUE(scan);
  EXPECT_EQ(window.next_wake(), std::numeric_limits<TimeMs>::max());
  window.add(300, "a");
  EXPECT_EQ(window.next_wake(), 300);
}

}  // namespace
}  // namespace sundial
