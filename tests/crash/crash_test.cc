// Crash test: a child process runs the engine and acknowledges a burst of
// starts and signals; we SIGKILL it at a random moment, reopen its data
// directory here, drive every instance to completion, and check what
// recovery.h lists: no acknowledged start or signal lost, no journaled
// step run again.
// The data directory is reused across kills, so recovery also meets the
// instances of every earlier round.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <random>

#include "tests/crash/recovery.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kRounds = 24;

Acks run_child_and_kill(const std::string& data, const std::string& log, const std::string& prefix,
                        std::mt19937& rng) {
  ChildProcess child({SUNDIAL_CRASH_CHILD, data, log, prefix});
  // Mostly kill while commits are streaming; sometimes during open/recovery.
  if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
    child.pump_for(std::uniform_int_distribution<int>(0, 40)(rng));
  } else {
    auto ready = child.read_line(20000);
    EXPECT_EQ(ready.value_or("<none>"), "READY");
    child.pump_for(std::uniform_int_distribution<int>(1, 150)(rng));
  }
  int status = child.signal_and_wait(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early: " << status;
  return parse_acks(child.take_lines());
}

TEST(CrashTest, AcknowledgedWorkSurvivesSigkillAndNoJournaledStepRunsAgain) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log = dir.sub("steps.log");
  size_t total_acked = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string prefix = "r" + std::to_string(round);
    Acks acks = run_child_and_kill(data, log, prefix, rng);
    total_acked += acks.started.size();

    recover_and_check(data, log, "recovery-" + std::to_string(round), acks);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The rounds must have killed the child mid-stream, not only before it acked anything.
  EXPECT_GT(total_acked, 0u);
  std::printf("crash test: %d rounds, %zu acknowledged starts, seed %u\n", kRounds, total_acked, seed);
}

}  // namespace
}  // namespace sundial::testing
