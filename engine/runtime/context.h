// Context: what workflow code may use. Durable steps, sleeps and signal
// waits are awaited through it; time, randomness and ids come from it, so a
// workflow replays deterministically from its journal.
//
// Replay: the Context holds the instance's journal. An await whose outcome
// the journal already holds returns at once (await_ready); otherwise the
// coroutine suspends and the executor turns the request into durable work.
// An await that does not match the journal's next outcome fails the instance
// with a non_determinism error. Signals are visible to the workflow once they
// precede its position in the journal, which makes has_signal() and inbox
// delivery deterministic too.
//
// GCC 12 note: a braced list inside a co_await expression
// (`co_await ctx.wait_any({"a", "b"})`) hits a compiler bug ("array used as
// initializer"); build the vector in a local first. Likewise a lambda
// temporary that captures by value (`co_await ctx.step("x", [s](...){...})`)
// is destroyed twice by GCC 12; name it in a local, or pass a SyncStepFn
// returned from a function.
//
// Threading: loop thread only. Ownership: owned by the executor's
// LiveInstance; workflow code receives it by reference for its whole life.
#pragma once

#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/runtime/retry_policy.h"
#include "engine/tasks/task_model.h"

namespace sundial {

// Handed to a step function.
struct StepInfo {
  std::string instance_id;
  std::string step_name;
  uint32_t attempt = 1;  // 1-based
  // Stable across attempts and restarts: "<instance id>/<step name>" (for
  // run 2 on, "<instance id>#<run>/<step name>"). Put it where the
  // provider dedupes (Resend's Idempotency-Key).
  std::string idempotency_key;
  uint32_t run = 1;  // which run of the instance (InstanceRecord::run)
};

// The StepInfo of the step `r` runs now (its attempt is the next one).
inline StepInfo step_info(const InstanceRecord& r) {
  return StepInfo{r.id, r.step_name, r.attempt + 1, run_scoped_id(r.id, r.run) + "/" + r.step_name, r.run};
}

// Completes a step: a value is journaled as the step's result; an error is
// retried per the step's RetryPolicy (see is_retryable). Call it exactly
// once, on the loop thread; it may be called synchronously.
using StepDone = std::move_only_function<void(Result<nlohmann::json>)>;
using AsyncStepFn = std::function<void(const StepInfo&, StepDone)>;
using SyncStepFn = std::function<Result<nlohmann::json>(const StepInfo&)>;
// Runs the task a step stands for (Context::task): set by the runtime.
using TaskRunner = std::function<void(const StepInfo&, const TaskSpec&, StepDone)>;

// What a workflow asks of other instances, each as a durable step
// (Context::start_child, Context::signal); the engine carries it out
// (engine/runtime/workflow_commands.h).
struct ChildStart {
  std::string type;
  // Absent: derived from the parent's id, run and the step's name, so a
  // replay or a retried step names the same child.
  std::optional<std::string> id;
  nlohmann::json input = nlohmann::json::object();
  // A detached child is not cancelled with its parent and sends it no
  // notice when it ends.
  bool detached = false;
};
struct SignalOut {
  std::string instance_id;
  std::string name;
  nlohmann::json payload;
};
// A cancel of another instance (the outbox's cancel of a parent's children).
struct CancelOut {
  std::string instance_id;
  std::string reason;
};
using InstanceCommand = std::variant<ChildStart, SignalOut, CancelOut>;
using InstanceCommandRunner = std::function<void(const StepInfo&, const InstanceCommand&, StepDone)>;

struct SignalResult {
  bool timed_out = false;
  std::string name;
  nlohmann::json payload;
};

// What a suspended workflow waits for.
struct AwaitRequest {
  AwaitKind kind = AwaitKind::kNone;
  std::string step_name;              // kStep
  AsyncStepFn step_fn;                // kStep
  SyncStepFn sync_fn;                 // kStep run with step(): may run inside the transition that reaches it
  SyncStepFn blocking_fn;             // kStep run with step_blocking: off the loop
  RetryPolicy policy;                 // kStep
  TimeMs sleep_until = 0;             // kSleep: the target, pause shifts included
  std::vector<std::string> signals;   // kSignal
  std::optional<DurationMs> timeout;  // kSignal: relative to when the wait begins
  std::optional<TimeMs> deadline;     // kSignal: absolute, pause shifts included
  // kStep: the send window the step starts in (engine/schedules/send_window.h):
  // null for the instance's (its start's, else its type's), false for none,
  // else a window's name or JSON form. Set with Context::set_step_window.
  nlohmann::json window;
  // Where the workflow made this await, e.g. "greet.lua:12" (empty when
  // unknown); a divergence from the journal names it.
  std::string origin;
  std::coroutine_handle<> handle;
};

class Context;

class StepAwaiter {
 public:
  StepAwaiter(Context& ctx, AwaitRequest req) : ctx_(ctx), req_(std::move(req)) {}
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  nlohmann::json await_resume();

 private:
  Context& ctx_;
  AwaitRequest req_;
};

class SleepAwaiter {
 public:
  SleepAwaiter(Context& ctx, AwaitRequest req) : ctx_(ctx), req_(std::move(req)) {}
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() {}

 private:
  Context& ctx_;
  AwaitRequest req_;
};

class SignalAwaiter {
 public:
  SignalAwaiter(Context& ctx, AwaitRequest req) : ctx_(ctx), req_(std::move(req)) {}
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  SignalResult await_resume();

 private:
  Context& ctx_;
  AwaitRequest req_;
};

class Context {
 public:
  // `journal` must start with the instance's kStarted entry.
  // `run`: which run of the id (InstanceRecord::run); it seeds random().
  Context(std::string instance_id, nlohmann::json input, std::vector<JournalEntry> journal, uint32_t run = 1);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // ---- Workflow API --------------------------------------------------------
  // Runs `fn` at least once until it succeeds; its result is journaled and
  // returned, and a replay returns the journaled result without running it.
  StepAwaiter step(std::string name, SyncStepFn fn, RetryPolicy policy = {});
  StepAwaiter step_async(std::string name, AsyncStepFn fn, RetryPolicy policy = {});
  // Like step(), but `fn` runs on a thread of the engine's blocking-step
  // pool, not the loop: for CPU-heavy work or a client library that blocks.
  // `fn` gets a copy of StepInfo and must touch only what is safe from
  // another thread (no Context, no engine objects); its result or error is
  // journaled on the loop like any step's. Shutdown waits for the ones
  // running.
  StepAwaiter step_blocking(std::string name, SyncStepFn fn, RetryPolicy policy = {});
  // A task on a queue (docs/tasks.md) as a durable step: enqueued under an
  // id derived from the instance and the step name, so a replay or a
  // restart never enqueues it twice, and awaited until a worker completes
  // it (its result is the step's) or it ends otherwise (the step fails for
  // good; retrying the instance revives a failed or cancelled task). The
  // task's max_attempts, backoff and timeout govern the workers' attempts;
  // spec.queue is required, spec.id and dedupe_key are ignored.
  StepAwaiter task(std::string name, TaskSpec spec);
  // Starts a child instance as a durable step; its result is
  // {"instance_id", "run", "created", "status"}. Unless detached, the
  // child sends this instance the signal child_done_signal(id) when it
  // ends, with {"instance_id", "run", "status", "result", "error"}: await
  // it with wait_signal (fan out: start N, then wait for each in order).
  StepAwaiter start_child(std::string name, ChildStart spec);
  // Signals another instance as a durable step (idempotent: the step's key
  // is the signal's idempotency key); its result is {"instance_id", "status"}.
  StepAwaiter signal(std::string name, SignalOut signal);
  static std::string child_done_signal(std::string_view child_id) { return "child:" + std::string(child_id); }
  // Durable sleep until now() + d.
  SleepAwaiter sleep_for(DurationMs d);
  // Durable sleep until `t`, moved later by the total of pauses resumed with
  // the `shift` policy, so a paused schedule keeps its spacing.
  SleepAwaiter sleep_until(TimeMs t);
  // Waits for a signal `name` (or any of `names`), or the timeout. A signal
  // sent before the wait began is delivered from the inbox.
  SignalAwaiter wait_signal(std::string name, std::optional<DurationMs> timeout = {});
  SignalAwaiter wait_any(std::vector<std::string> names, std::optional<DurationMs> timeout = {});
  // Waits for any of `names` until `t`, moved by pauses like sleep_until:
  // a sleep that a signal can cut short ("wait until day 3 unless booked").
  // timed_out is true when `t` came first.
  SignalAwaiter wait_any_until(std::vector<std::string> names, TimeMs t);
  // Whether a signal `name` has arrived by this point of the workflow.
  bool has_signal(std::string_view name) const;
  // Whether to take the patched code path named `change_id` (Temporal's
  // GetVersion/patched): true for code running past the end of the history
  // (a new instance, or an old one that reached code it had not run yet),
  // which journals a `patch` marker; on replay, true when the history holds
  // that marker at this point and false when it was written before the
  // patch (`if ctx.patched("x") then <new code> else <old code> end`).
  // "Past the end" means after the last outcome with no await registered
  // yet (set_await_registered): code that already ran up to a wait without
  // the patch keeps the old path. The first answer for a change id sticks
  // (later calls, and the same calls on a replay, agree). Not an await: it
  // never suspends.
  bool patched(std::string_view change_id);

  // Where the workflow's next await is made, e.g. "greet.lua:12": a driver
  // of another language sets it before each await it makes, and a
  // divergence at that await names it. The next await takes it.
  void set_origin(std::string origin) { origin_ = std::move(origin); }
  // The send window of the next step await (AwaitRequest::window): a
  // window's name or JSON form, or false for none. The next *step* await
  // takes it (a sleep or signal wait in between leaves it for the step);
  // a step without one uses the instance's.
  void set_step_window(nlohmann::json window) { step_window_ = std::move(window); }
  // Whether this is a dry replay (dry_replay.h): nothing the workflow does
  // takes effect. A driver with effects outside steps skips them.
  bool dry_run() const { return dry_run_; }

  // Deterministic time: the time of the last outcome the workflow received.
  TimeMs now() const { return now_; }
  TimeMs started_at() const { return started_at_; }
  // Deterministic randomness, seeded by the instance id and run.
  uint64_t random_u64();
  double random01();
  std::string uuid();
  const std::string& instance_id() const { return instance_id_; }
  const nlohmann::json& input() const { return input_; }
  // The value the workflow returns, stored as the instance's result when
  // it completes (InstanceRecord::result); set it before co_return.
  void set_result(nlohmann::json value) { result_ = std::move(value); }
  // Continue-as-new: once the workflow returns, this run ends (completed,
  // with a continued_as_new entry) and the next run of the same id starts
  // from `input` with an empty journal, the type's current version and
  // the same concurrency slot, in the same transition. For loops that
  // would otherwise grow one journal for months. Call it, then return.
  void continue_as_new(nlohmann::json input) { continue_input_ = std::move(input); }
  const std::optional<nlohmann::json>& continue_input() const { return continue_input_; }
  const nlohmann::json& result() const { return result_; }
  // Whether the Runtime may keep this instance in memory while it waits
  // for a timer due soon (WarmOptions), asked each time it could: a
  // workflow whose in-memory state is costly (a Lua script's) sets a gate
  // that answers from its own memory budget. No gate: yes.
  void set_warm_gate(std::function<bool()> gate) { warm_gate_ = std::move(gate); }
  // How task() steps run (the runtime sets it; none: they fail).
  void set_task_runner(TaskRunner runner) { task_runner_ = std::move(runner); }
  const TaskRunner& task_runner() const { return task_runner_; }
  // How start_child() and signal() steps run (the runtime sets it; none: they fail).
  void set_command_runner(InstanceCommandRunner runner) { command_runner_ = std::move(runner); }
  // A step function that carries `cmd` out through the command runner (a
  // Lua script's ctx:start_child and ctx:signal build their steps with it).
  AsyncStepFn command_fn(InstanceCommand cmd) const;
  bool may_stay_warm() const { return !warm_gate_ || warm_gate_(); }

  // ---- Executor API --------------------------------------------------------
  // Satisfies `req` from the journal if it can (inbox first for signal waits,
  // then the next outcome). Sets failure() on a mismatch and returns false.
  bool try_consume(const AwaitRequest& req);
  void set_pending(AwaitRequest req) { pending_ = std::move(req); }
  std::optional<AwaitRequest>& pending() { return pending_; }
  const std::optional<Error>& failure() const { return failure_; }
  // Also how a driver of another language fails its instance with an error
  // of its own (the Lua binding: budget_exceeded, ...): it sets the failure
  // and returns, and the executor fails the instance with it.
  void set_failure(Error e) { failure_ = std::move(e); }
  // Whether the instance's record awaits something (a step, sleep or
  // signal): then the workflow's code already ran past its last outcome,
  // and patched() there answers from the history instead of recording.
  // The executor sets it before it resumes the workflow.
  void set_await_registered(bool registered) { await_registered_ = registered; }
  // `patch` markers patched() recorded (seq and time unset), in call order,
  // for the executor to journal before it registers the next await.
  std::vector<JournalEntry> take_markers() { return std::exchange(markers_, {}); }
  // Appends an entry written by a live transition (seq must be next).
  void append(const JournalEntry& entry);
  const std::vector<JournalEntry>& journal() const { return journal_; }
  // Entries [0, position()) precede the workflow's current point.
  size_t position() const { return pos_; }
  // Outcome entries not yet consumed by the workflow, after replay finished.
  bool has_unconsumed_outcomes() const;
  // The non_determinism error of a workflow that finished while its journal
  // holds more outcomes (naming the first), or nullopt.
  std::optional<Error> unconsumed_error() const;
  void set_dry_run() { dry_run_ = true; }
  // Undelivered, unconsumed signals after the workflow's position that match
  // `names` (they arrived while the wait could not take them, e.g. paused).
  std::optional<uint32_t> late_signal_for(const std::vector<std::string>& names) const;
  DurationMs schedule_shift() const { return shift_; }

  nlohmann::json take_step_result() { return std::move(step_result_); }
  SignalResult take_signal_result() { return std::move(signal_result_); }

 private:
  void advance_to(size_t end);
  std::optional<size_t> next_outcome() const;
  // `t` moved by every `shift` resume so far: those before the workflow's
  // position, and those journaled after it but before its next outcome (a
  // step that completed while paused leaves the workflow before the
  // `resumed` entry, yet what it awaits next comes after the resume).
  TimeMs shifted(TimeMs t) const;
  bool consume_inbox(const AwaitRequest& req);
  void diverged(const AwaitRequest& req, const JournalEntry& found);
  // `step_completed "hello"`: an entry's kind and name, for errors.
  std::string describe_entry(const JournalEntry& e) const;
  AwaitRequest request(AwaitKind kind);

  std::string instance_id_;
  nlohmann::json input_;
  nlohmann::json result_;
  std::optional<nlohmann::json> continue_input_;
  std::vector<JournalEntry> journal_;
  size_t pos_ = 0;
  TimeMs now_ = 0;
  TimeMs started_at_ = 0;
  DurationMs shift_ = 0;
  std::set<uint32_t> consumed_signals_;
  std::optional<AwaitRequest> pending_;
  std::optional<Error> failure_;
  bool await_registered_ = false;
  bool dry_run_ = false;
  std::string origin_;
  nlohmann::json step_window_;  // set_step_window: the next step's
  std::function<bool()> warm_gate_;
  TaskRunner task_runner_;
  InstanceCommandRunner command_runner_;
  std::map<std::string, bool, std::less<>> patches_;  // change id -> patched()'s answer
  std::vector<JournalEntry> markers_;
  uint64_t rng_state_ = 0;
  nlohmann::json step_result_;
  SignalResult signal_result_;
};

// `step "hello"`, `sleep`, `wait for signal "go"`: what an await asks for.
std::string describe_request(const AwaitRequest& req);

}  // namespace sundial
