// ReadyWindow (engine/tasks/ready_window.h): the head of a ready index in
// memory, its bounds, and its races with scans.
#include <gtest/gtest.h>

#include "engine/tasks/ready_window.h"
#include "engine/tasks/task_keys.h"

namespace sundial {
namespace {

TaskRecord task(std::string id, int64_t priority, TimeMs ready_at) {
  TaskRecord t;
  t.id = std::move(id);
  t.queue = "q";
  t.type = "t";
  t.priority = priority;
  t.ready_at = ready_at;
  t.ready_seq = static_cast<uint64_t>(ready_at);
  return t;
}

std::vector<std::pair<TaskRecord, size_t>> rows(std::vector<TaskRecord> tasks) {
  std::vector<std::pair<TaskRecord, size_t>> out;
  for (auto& t : tasks) out.emplace_back(std::move(t), 10);
  return out;
}

std::vector<std::string> drain(ReadyWindow& w) {
  std::vector<std::string> out;
  while (!w.empty()) out.push_back(w.pop_front().id);
  return out;
}

TEST(ReadyWindowTest, ACompleteWindowHandsOutByPriorityThenReadyTime) {
  ReadyWindow w({}, /*complete=*/true);
  w.add(task("late", 0, 30), 10);
  w.add(task("urgent", 5, 40), 10);
  w.add(task("early", 0, 10), 10);
  EXPECT_FALSE(w.next_scan()) << "nothing on disk that memory lacks";
  EXPECT_EQ(drain(w), (std::vector<std::string>{"urgent", "early", "late"}));
}

TEST(ReadyWindowTest, OverItsBudgetTheTailWaitsOnDiskAndAScanBringsItBack) {
  ReadyWindow w({.max_tasks = 4, .max_bytes = 1 << 20}, /*complete=*/true);
  for (int i = 0; i < 6; ++i) w.add(task("t" + std::to_string(i), 0, i), 10);
  EXPECT_EQ(w.size(), 4u);
  EXPECT_FALSE(w.complete());
  // Taking from the head: once a quarter is left, the next part is read.
  EXPECT_EQ(w.pop_front().id, "t0");
  EXPECT_EQ(w.pop_front().id, "t1");
  EXPECT_FALSE(w.next_scan());
  EXPECT_EQ(w.pop_front().id, "t2");
  auto scan = w.next_scan();
  ASSERT_TRUE(scan);
  ASSERT_TRUE(scan->after);
  EXPECT_EQ(scan->after->id, "t3");
  EXPECT_EQ(scan->limit, 3u);
  EXPECT_FALSE(w.next_scan()) << "one scan at a time";
  w.scan_done(*scan, rows({task("t4", 0, 4), task("t5", 0, 5)}), /*exhausted=*/true);
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(drain(w), (std::vector<std::string>{"t3", "t4", "t5"}));
}

TEST(ReadyWindowTest, ATaskAddedBeyondTheBoundWhileAScanRunsIsKeptIfTheScanReachesIt) {
  ReadyWindow w({.max_tasks = 4, .max_bytes = 1 << 20}, /*complete=*/false);
  auto scan = w.next_scan();
  ASSERT_TRUE(scan);
  EXPECT_FALSE(scan->after);
  w.add(task("new", 0, 100), 10);  // committed after the scan's snapshot, maybe
  EXPECT_TRUE(w.empty());
  w.scan_done(*scan, rows({task("a", 0, 1)}), /*exhausted=*/true);
  EXPECT_EQ(drain(w), (std::vector<std::string>{"a", "new"}));
}

TEST(ReadyWindowTest, ACancelledTaskIsNotBroughtBackByAScanThatRanBeforeItsRemovalWasDurable) {
  ReadyWindow w({.max_tasks = 4, .max_bytes = 1 << 20}, /*complete=*/false);
  auto scan = w.next_scan();
  ASSERT_TRUE(scan);
  TaskRecord gone = task("gone", 0, 2);
  w.remove(task_keys::ready_order(gone));
  w.removal_committed("gone");
  w.scan_done(*scan, rows({task("a", 0, 1), gone}), /*exhausted=*/true);
  EXPECT_EQ(drain(w), (std::vector<std::string>{"a"}));
}

TEST(ReadyWindowTest, AScanOvertakenByAnEvictionIsIgnoredAndReadAgain) {
  ReadyWindow w({.max_tasks = 4, .max_bytes = 1 << 20}, /*complete=*/true);
  w.add(task("a", 0, 1), 10);
  w.add(task("b", 0, 2), 10);
  w.add(task("c", 0, 3), 10);
  w.add(task("d", 0, 4), 10);
  w.add(task("e", 0, 5), 10);  // evicted: the bound is d
  for (int i = 0; i < 3; ++i) w.pop_front();
  auto scan = w.next_scan();  // after d
  ASSERT_TRUE(scan);
  // Meanwhile higher-priority tasks arrive and push d out too.
  for (int i = 0; i < 4; ++i) w.add(task("p" + std::to_string(i), 9, 10 + i), 10);
  w.scan_done(*scan, rows({task("e", 0, 5)}), /*exhausted=*/true);
  EXPECT_FALSE(w.complete()) << "d is on disk only; the stale answer must not claim otherwise";
  EXPECT_EQ(drain(w), (std::vector<std::string>{"p0", "p1", "p2", "p3"}));
  auto again = w.next_scan();
  ASSERT_TRUE(again);
  w.scan_done(*again, rows({task("d", 0, 4), task("e", 0, 5)}), /*exhausted=*/true);
  EXPECT_EQ(drain(w), (std::vector<std::string>{"d", "e"}));
}

TEST(ReadyWindowTest, TheByteBudgetBoundsMemoryButAlwaysKeepsOneTask) {
  ReadyWindow w({.max_tasks = 100, .max_bytes = 100}, /*complete=*/true);
  w.add(task("big", 0, 1), 1000);
  EXPECT_EQ(w.size(), 1u);
  w.add(task("next", 0, 2), 1000);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.pop_front().id, "big");
}

// A window whose tasks are big fills by bytes before it fills by count: it
// keeps the task that crossed the line and asks for no scan until there is
// room (it asked for one after every scan, each reading up to max_tasks
// records only to drop them: a queue of tasks over max_bytes / 250 bytes
// kept the pool scanning for ever).
TEST(ReadyWindowTest, AWindowFullByBytesAsksForNoScanAndAScanCarriesTheRoomLeft) {
  ReadyWindow w({.max_tasks = 100, .max_bytes = 100}, /*complete=*/false);
  auto first = w.next_scan();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->max_bytes, 100u);
  std::vector<std::pair<TaskRecord, size_t>> found;
  found.emplace_back(task("a", 0, 1), 60);
  found.emplace_back(task("b", 0, 2), 60);
  w.scan_done(*first, std::move(found), /*exhausted=*/false);
  EXPECT_EQ(w.size(), 2u) << "the task that crossed the budget stays";
  EXPECT_FALSE(w.next_scan()) << "full by bytes";
  EXPECT_EQ(w.pop_front().id, "a");
  auto next = w.next_scan();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->max_bytes, 40u);
  EXPECT_EQ(next->after->id, "b");
}

}  // namespace
}  // namespace sundial
