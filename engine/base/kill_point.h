// Kill points: named places in the commit path where a crash test makes the
// process die deterministically (RocksDB's TEST_KILL_RANDOM, made exact).
//
//   SUNDIAL_KILL_POINT(kill_points::kCommitAfterSync);
//
// Compiled into every build. Disarmed, a kill point costs one load of a
// constant flag and one predictable branch. A process is armed by its
// environment, read once at start-up:
//
//   SUNDIAL_KILL_AT=<name>:<n>   SIGKILL on the n-th pass (n >= 1) of <name>
//
// On that pass it writes "kill point <name> pass <n>: SIGKILL" to stderr
// and raises SIGKILL: nothing after the point runs, no destructor, no
// flush. A name that is not in kAll, or a malformed value, aborts at
// start-up with a message, so a typo cannot make a crash test pass.
//
// Every kill point is listed in kAll; the crash test sweeps that list.
//
// Threading: any thread (passes are counted atomically).
#pragma once

#include <array>
#include <string_view>

namespace sundial {

namespace kill_points {
// CommitQueue writer: the group is merged, Store::write not yet called.
inline constexpr std::string_view kCommitBeforeWrite = "commit.before_write";
// CommitQueue writer: the synced write returned, no completion has run
// (durable but not acknowledged).
inline constexpr std::string_view kCommitAfterSync = "commit.after_sync";
// Runtime: a step's effect completed (StepDone called), its journal entry
// not yet committed; recovery must run the step again.
inline constexpr std::string_view kStepBeforeJournal = "step.before_journal";

inline constexpr std::array kAll = {kCommitBeforeWrite, kCommitAfterSync, kStepBeforeJournal};
}  // namespace kill_points

// True when SUNDIAL_KILL_AT armed this process.
extern const bool g_kill_point_armed;
// Counts a pass of `name`; raises SIGKILL on the armed pass.
void kill_point_pass(std::string_view name);

}  // namespace sundial

#define SUNDIAL_KILL_POINT(name)                      \
  do {                                                \
    if (::sundial::g_kill_point_armed) [[unlikely]] { \
      ::sundial::kill_point_pass(name);               \
    }                                                 \
  } while (0)
