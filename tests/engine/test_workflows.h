// Workflows the engine tests run, with a StepLog that records every step
// execution (instance, step, attempt, clock time) across engine reopens.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/runtime/context.h"
#include "engine/runtime/registry.h"

namespace sundial::testing {

// Thrown by "test.misbehaving": not derived from std::exception.
struct NotAnException {
  int code;
};

struct StepRun {
  std::string instance;
  std::string step;
  uint32_t attempt;
  TimeMs at;
};

struct StepLog {
  explicit StepLog(Clock& c) : clock(c) {}
  Clock& clock;
  std::vector<StepRun> runs;
  // Steps named here fail with the given error until their attempt passes
  // the count: step name → (failures, error code).
  std::map<std::string, std::pair<uint32_t, ErrorCode>> failures;
  // Completions of steps that "test.held_then_sleep" holds open; the test
  // calls them when it wants the step to finish.
  std::vector<StepDone> held;

  size_t count(const std::string& instance, const std::string& step) const {
    size_t n = 0;
    for (const auto& r : runs) n += r.instance == instance && r.step == step;
    return n;
  }
};

// "test.sequence": input {"offsets_ms": [..]}; for each offset i, sleeps
// until started_at + offset, then runs step "send-<i>" (stops early on the
// signal "booked").
// "test.wait": sleeps input.sleep_ms if given, waits for "go" or "stop"
// (input.timeout_ms optional), then
// runs step "after-<signal name or timeout>".
// "test.flaky": one step "call" that fails per StepLog::failures.
// "test.versioned": runs step "v<version>-a" where version is read from
// *version at replay time (to provoke non-determinism).
// "test.random": step "r" returns ctx.uuid() drawn before a sleep.
// "test.wait_until": waits for "stop" until start + 1h, then runs step
// "after-stop" or "after-deadline".
// "test.parent": input {"children": n, "child_type" (test.wait),
// "detached"}: starts n children (steps "start-<i>"), then, unless
// detached, waits for each one's end and returns their notices in order.
// "test.signaller": signals input.target "go" (step "poke") and returns
// the answer.
// "test.countdown": input {"n"}; sleeps 1 s, runs step "tick-<n>", then
// continues as new with n - 1, or returns "liftoff" at 0.
// "test.approve_twice": sleeps input.sleep_ms, then twice waits for the
// signal "approve" and runs step "approved-<round>-by-<payload.by>".
// "test.held_then_sleep": async step "held" that completes only when the
// test calls StepLog::held, then sleep_until(start + 1h), then step "after".
// "test.misbehaving": step "call" (2 attempts, 1 s backoff, no jitter) that
// misbehaves as input.how says: "runtime_error" throws std::runtime_error,
// "not_std" throws a NotAnException, "bad_message" throws with invalid
// UTF-8 in what(), "bad_result" returns a string of invalid UTF-8,
// "throw_after_done" completes and then throws; then step "after".
// "test.blocking": step "crunch" with step_blocking (sums 1..1000 off the
// loop; throws on attempt 1 when input.throw_once), then step "record"
// returning crunch's result {"sum", "on_loop_thread"}.
// "test.throwing_body": step "before", then the workflow body throws
// std::logic_error("the body broke").
// "test.bad_step_name": awaits a step whose name is invalid UTF-8.
// "test.windowed": step "send" (3 attempts, 1 s backoff, no jitter; fails
// per StepLog::failures) in the send window input.step_window names, if
// any (Context::set_step_window), then step "after" in the instance's.
void register_test_workflows(Registry& registry, StepLog& log, const int* version = nullptr);

}  // namespace sundial::testing
