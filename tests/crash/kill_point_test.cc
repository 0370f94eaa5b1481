// Kill point sweep: for every kill point (engine/base/kill_point.h) and a
// few pass counts, the crash child runs with SUNDIAL_KILL_AT=<point>:<n>
// until it dies there by SIGKILL; the test checks it died at that point,
// reopens the data directory and runs recovery.h's checks (every
// acknowledged start and signal there exactly once, no journaled step run
// again, nothing unacknowledged required). One data directory serves the
// whole sweep, so each recovery also meets what earlier rounds left.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <random>

#include "engine/base/kill_point.h"
#include "tests/crash/recovery.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

std::string kill_at(std::string_view point, int pass) {
  return std::string(point) + ":" + std::to_string(pass);
}

bool contains_line(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(KillPointTest, EveryKillPointAtSeveralPassesLosesNothingAcknowledged) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log = dir.sub("steps.log");
  size_t total_acked = 0;
  int round = 0;
  for (std::string_view point : kill_points::kAll) {
    // The first pass, an early one, and one further into a stream of commits.
    for (int pass : {1, 7, std::uniform_int_distribution<int>(8, 40)(rng)}) {
      const std::string armed = kill_at(point, pass);
      SCOPED_TRACE("SUNDIAL_KILL_AT=" + armed);
      const std::string prefix = "k" + std::to_string(round++);
      ChildProcess child({SUNDIAL_CRASH_CHILD, data, log, prefix}, ChildProcess::Stderr::kMergeIntoStdout,
                         {"SUNDIAL_KILL_AT=" + armed});
      auto status = child.wait_for_exit(60000);
      ASSERT_TRUE(status) << "the child never reached " << armed << ":\n" << child.output();
      ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
          << "the child did not die by SIGKILL (status " << *status << "):\n"
          << child.output();
      std::vector<std::string> lines = child.take_lines();
      ASSERT_TRUE(contains_line(
          lines, "kill point " + std::string(point) + " pass " + std::to_string(pass) + ": SIGKILL"))
          << child.output();
      Acks acks = parse_acks(lines);
      total_acked += acks.started.size();
      recover_and_check(data, log, "recovery-" + prefix, acks);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(total_acked, 0u);
  std::printf("kill point sweep: %d rounds over %zu kill points, %zu acknowledged starts, seed %u\n", round,
              kill_points::kAll.size(), total_acked, seed);
}

// A misspelled kill point must not make a crash test pass by never firing.
TEST(KillPointTest, AnUnknownKillPointAbortsAtStartup) {
  TempDir dir;
  ChildProcess child({SUNDIAL_CRASH_CHILD, dir.sub("data"), dir.sub("steps.log"), "x"},
                     ChildProcess::Stderr::kMergeIntoStdout, {"SUNDIAL_KILL_AT=commit.after_sink:1"});
  auto status = child.wait_for_exit(30000);
  ASSERT_TRUE(status) << child.output();
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGABRT) << *status;
  EXPECT_NE(child.output().find("no such kill point"), std::string::npos) << child.output();
  EXPECT_EQ(child.output().find("READY"), std::string::npos)
      << "the engine ran with a kill point that never fires";
}

}  // namespace
}  // namespace sundial::testing
