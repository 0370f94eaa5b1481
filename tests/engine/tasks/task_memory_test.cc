// TaskService's memory bound (docs/tasks.md, "Scale"): pending tasks cost
// disk, not memory. A scan of the ready index that refills a queue's
// in-memory window reads records only up to the window's byte budget, not
// up to its task count: big payloads must not all come into memory at once
// (a restart with a thousand 1 MiB tasks pending read 1 GB in one scan).
#include <gtest/gtest.h>

#include "tests/engine/tasks/task_service_fixture.h"

namespace sundial {
namespace {

using testing::TaskServiceTest;

TEST_F(TaskServiceTest, AScanReadsRecordsUpToTheWindowsByteBudgetNotItsTaskCount) {
  h.close();
  h.options.tasks.window.max_tasks = 1000;
  h.options.tasks.window.max_bytes = 20'000;
  h.open();
  const std::string pad(5'000, 'x');
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 200; ++i) specs.push_back(spec("send", {{"n", i}, {"pad", pad}}));
  ASSERT_TRUE(sync<std::vector<EnqueueResult>>(
      [&](auto reply) { tasks().enqueue(std::move(specs), std::move(reply)); }));
  h.close();
  h.open_faulty();  // counts point reads; recovery scans the ready index for the window
  auto got = claim(3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[static_cast<size_t>(i)].payload.value()["n"], i);
  EXPECT_LE(h.faulty->gets(Cf::kTasks), 10u) << "records read to fill a 20 KB window with 5 KB tasks";
  // And the rest still comes out, in order, a window at a time.
  std::vector<int> seen;
  for (auto& t : got) seen.push_back(t.payload.value()["n"]);
  while (true) {
    auto more = claim(7);
    if (more.empty()) break;
    for (auto& t : more) seen.push_back(t.payload.value()["n"]);
  }
  ASSERT_EQ(seen.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

}  // namespace
}  // namespace sundial
