// Power cuts: what a disk keeps when the power fails is what was synced.
// FaultInjectionFs (tests/support/fault_injection_fs.h; its own tests are in
// tests/engine/storage/storage_faults_test.cc) drops every unsynced byte at
// the cut. The engine runs in the crash child, its power cut after a random
// number of acknowledged starts or during a random sync of its write-ahead
// log, followed by recovery.h's checks: everything acknowledged is there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <random>

#include "tests/crash/recovery.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kPowerCuts = 6;

TEST(PowerCutTest, AcknowledgedWorkSurvivesAPowerCut) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log = dir.sub("steps.log");
  size_t total_acked = 0;
  uint64_t dropped_at_sync = 0;
  for (int round = 0; round < kPowerCuts; ++round) {
    // Even rounds cut between acknowledgements, odd ones inside a WAL sync.
    const bool at_sync = round % 2 == 1;
    const std::string mode =
        at_sync ? "--power-cut-at-wal-sync=" + std::to_string(std::uniform_int_distribution<int>(1, 30)(rng))
                : "--power-cut-after=" + std::to_string(std::uniform_int_distribution<int>(1, 400)(rng));
    SCOPED_TRACE("round " + std::to_string(round) + ": " + mode);
    const std::string prefix = "p" + std::to_string(round);
    ChildProcess child({SUNDIAL_CRASH_CHILD, data, log, prefix, mode});
    auto status = child.wait_for_exit(60000);
    ASSERT_TRUE(status) << "the power was never cut";
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
    std::vector<std::string> lines = child.take_lines();
    ASSERT_FALSE(lines.empty());
    // Not always the last line: a cut inside a WAL sync happens on the
    // writer thread, and until its _exit the loop thread may still print an
    // acknowledgement of work synced earlier (which must then survive too).
    auto cut_line =
        std::ranges::find_if(lines, [](const std::string& line) { return line.starts_with("CUT "); });
    ASSERT_NE(cut_line, lines.end()) << "no CUT line; the last one: " << lines.back();
    if (at_sync) dropped_at_sync += std::stoull(cut_line->substr(4));
    Acks acks = parse_acks(lines);
    total_acked += acks.started.size();
    recover_and_check(data, log, "recovery-" + prefix, acks);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(total_acked, 0u);
  // A cut inside a sync drops the record being synced: the test did cut
  // through unsynced data, not only between whole writes.
  EXPECT_GT(dropped_at_sync, 0u);
  std::printf(
      "power cut test: %d rounds, %zu acknowledged starts, %llu unsynced WAL bytes dropped in syncs, seed "
      "%u\n",
      kPowerCuts, total_acked, static_cast<unsigned long long>(dropped_at_sync), seed);
}

}  // namespace
}  // namespace sundial::testing
