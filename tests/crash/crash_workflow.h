// The workflow the crash test runs, shared by the child that is killed and
// the parent that recovers its data directory. Every step execution appends
// "<instance> <step> <token>" to a step log file with one write(2), which a
// SIGKILL cannot undo; the step's journaled result is that token, so the
// parent can tell which execution the journal kept.
//
// "crash.chain": step "a" (sync) → wait for signal "go" (1 h timeout) →
// step "b" (async, completed in a later loop turn) → sleep 5 ms → step "c".
#pragma once

#include <string>

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

inline constexpr const char* kCrashWorkflow = "crash.chain";

void register_crash_workflow(Registry& registry, Loop& loop, StepRecorder& recorder);

}  // namespace sundial::testing
