// Recovery: what every crash test does after its child process died. It
// reopens the child's data directory in the test process (on the real
// FileSystem), drives every unfinished instance to completion and checks
//  - every acknowledged start exists and its idempotency key still answers,
//  - every acknowledged signal is in the journal,
//  - journals are contiguous and each step completed exactly once,
//  - no step ran again after its result was journaled (the journaled
//    result is the last execution the step log holds for that step).
// Nothing the child did not acknowledge is required.
//
// Threading: the test thread; the engine runs on a loop of its own.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace sundial::testing {

// What the child acknowledged: "S <id>" and "G <id>" lines of its stdout.
struct Acks {
  std::set<std::string> started;
  std::set<std::string> signalled;
};

Acks parse_acks(const std::vector<std::string>& lines);

// Recovers `data` and runs the checks above with gtest assertions.
// `token_prefix` names this recovery's own step executions in the log.
void recover_and_check(const std::string& data, const std::string& step_log, const std::string& token_prefix,
                       const Acks& acks);

}  // namespace sundial::testing
