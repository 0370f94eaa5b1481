// The workflow the crash test runs, shared by the child that is killed and
// the parent that recovers its data directory. Every step execution appends
// one record, "\n<instance> <step> <token> ." to a step log file with one
// write(2), before the step returns; the step's journaled result is that
// token, so the parent can tell which execution the journal kept.
//
// A SIGKILL can tear a write(2) to a regular file where it crosses a page
// boundary (Linux checks for fatal signals between pages). A torn record
// belongs to an execution that never returned, so the reader skips it; the
// leading newline keeps the next record from merging with it, and the
// trailing " ." tells a whole record from a torn one.
//
// "crash.chain": step "a" (sync) → wait for signal "go" (1 h timeout) →
// step "b" (async, completed in a later loop turn) → sleep 5 ms → step "c".
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/loop/loop.h"
#include "engine/runtime/registry.h"

namespace sundial::testing {

class StepRecorder {
 public:
  // Appends to `path`; tokens start with `token_prefix` (unique per process).
  StepRecorder(const std::string& path, std::string token_prefix);
  ~StepRecorder();
  StepRecorder(const StepRecorder&) = delete;
  StepRecorder& operator=(const StepRecorder&) = delete;

  // Records one execution and returns its token.
  std::string record(const std::string& instance, const std::string& step);

 private:
  int fd_ = -1;
  std::string token_prefix_;
  uint64_t next_ = 0;
};

// (instance, step) → tokens of its whole recorded executions, in order.
using StepExecutions = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

// Reads a step log written by StepRecorder, skipping torn records.
StepExecutions read_step_log(const std::string& path);

inline constexpr const char* kCrashWorkflow = "crash.chain";

void register_crash_workflow(Registry& registry, Loop& loop, StepRecorder& recorder);

}  // namespace sundial::testing
