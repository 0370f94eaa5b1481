// sundialctl: inspect and steer Sundial workflows from the terminal
// (docs/cli.md). run_ctl is the whole program; main() only calls it.
// Tables go to `out`, messages to `err`; with -o json, `out` holds JSON
// and nothing else. A confirmation (bulk commands) is read from std::cin,
// only when stdin is a terminal.
//
// Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sundial::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;

int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sundial::ctl
