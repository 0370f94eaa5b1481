// Runtime: runs workflow instances. It keeps the instances that are doing
// work in memory (LiveInstance), replays a cold instance from its journal
// when an event wakes it, turns each await of a workflow into durable work
// (a step to run, a timer, a signal wait), and commits every change as one
// Transition, releasing replies and effects only once it is durable.
//
// Commands are decided by pure functions (engine/transitions/) and run by
// the executor (command_executor.h), which uses with_instance(), advance()
// and commit().
//
// Loading: an instance that is not in memory is read (record and journal)
// on the WorkPool, never on the loop. Callers that need it while its load
// runs wait behind that one load, in arrival order; the instance stays in
// memory until all of them have run. Only the replay that follows (workflow
// code) and the transition run on the loop.
//
// Failure: when a commit fails, the Runtime stops accepting commands, waits
// for the commits in flight, drops every in-memory instance and the timer
// window, and recovers from storage exactly as after a restart.
//
// Threading: loop thread only; its reads run on the WorkPool.
// Ownership: owned by Engine. Borrows Loop, Clock, Store, CommitQueue,
// EventLog, Registry and WorkPool, which must outlive it; owns the
// TimerService and its pool jobs (cancelled when it is destroyed).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/base/change_watch.h"
#include "engine/base/clock.h"
#include "engine/codec/stored_instance.h"
#include "engine/events/event_log.h"
#include "engine/flow/key_slots.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/runtime/live_instance.h"
#include "engine/runtime/outbox.h"
#include "engine/runtime/registry.h"
#include "engine/runtime/warm_options.h"
#include "engine/schedules/send_window.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"
#include "engine/timers/timer_service.h"
#include "engine/transitions/transition.h"

namespace sundial {

// Durable state kept beside the instances and committed through the same
// path (the task queues, engine/tasks/task_service.h). The runtime hands it
// the timer rows whose id it owns, drops it with its own memory after a
// failed commit (reset) and reads it back with its own recovery (recover),
// before it accepts commands again.
class RuntimeParticipant {
 public:
  virtual ~RuntimeParticipant() = default;
  virtual bool owns_timer(std::string_view timer_id) const = 0;
  virtual void on_timer(const keys::TimerKey& key) = 0;
  virtual void reset() = 0;
  // A workflow step that stands for a task (Context::task): enqueue it, or
  // find it after a replay or restart, and call `done` with its outcome.
  virtual void run_task(const StepInfo& step, const TaskSpec& spec, StepDone done) = 0;
  // `done` runs on the loop once its state is back in memory.
  virtual void recover(std::move_only_function<void(Result<void>)> done) = 0;
};

class Runtime {
 public:
  struct Deps {
    Loop& loop;
    Clock& clock;
    Store& store;
    CommitQueue& commits;
    EventLog& events;
    const Registry& registry;
    WorkPool& pool;           // reads
    WorkPool& blocking_pool;  // steps run with step_blocking
    const SendWindowCatalog& send_windows;  // the steps' send windows (step_window.h)
  };
  // Runs on the loop with the instance in memory, or the error (not_found
  // when it does not exist, unavailable when the engine stopped accepting).
  using WithInstance = std::move_only_function<void(Result<LiveInstance*>)>;
  using Recovered = std::move_only_function<void(Result<void>)>;

  Runtime(Deps deps, TimerWindowOptions timer_options, WarmOptions warm = {});
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Reads every running instance on the pool, continues each on the loop,
  // recovers the participant, then starts accepting and firing timers;
  // `done` runs on the loop.
  void recover(Recovered done);
  // Set before recover(); it must outlive the runtime's last callback.
  void set_participant(RuntimeParticipant* participant) { participant_ = participant; }
  // Carries out Context::start_child and Context::signal (set by the
  // Engine before recover(); engine/runtime/workflow_commands.h).
  void set_command_runner(InstanceCommandRunner runner) { commands_ = std::move(runner); }
  // False while recovering from a failed commit or after close().
  bool accepting() const { return accepting_; }
  // The answer to a command while not accepting: storage_unavailable with
  // the reason while the storage cannot write, else unavailable.
  Error not_accepting_error() const;
  void close();

  // ---- For commands ----------------------------------------------------------
  TimeMs now() const { return deps_.clock.now_ms(); }
  const Registry& registry() const { return deps_.registry; }
  const SendWindowCatalog& send_windows() const { return deps_.send_windows; }
  Store& store() { return deps_.store; }
  LiveInstance* find(std::string_view id);
  // Calls `then` with the instance: at once when it is in memory (and no
  // load of it is under way), else once it has been read on the pool and
  // replayed to where it waits. Calls for one instance run in the order
  // they were made.
  void with_instance(const std::string& id, WithInstance then);
  // Whether a read of `id` is under way on the pool.
  bool loading(std::string_view id) const { return loads_.contains(std::string(id)); }
  // Puts a new instance into memory (not yet persisted): the record and
  // journal a start decision built (its kStarted entry is already in the
  // decision's transition).
  LiveInstance& create(InstanceRecord record, std::vector<JournalEntry> journal);
  // Replaces finished `inst` by a new run of its id (IdReuse): the old run
  // is retired into `tx` (live_ops.h, retire_run), and the same
  // LiveInstance, its pins and commits in flight kept, holds `record` and
  // `journal` with a new epoch, so what the old run still has in flight
  // (a step of a cancelled run) is ignored when it returns.
  LiveInstance& renew(LiveInstance& inst, InstanceRecord record, std::vector<JournalEntry> journal,
                      Transition& tx);
  // Runs the workflow as far as it can go, writing what it does into `tx`.
  void advance(LiveInstance& inst, Transition& tx);
  // Drops the coroutine and rebuilds it from the journal (retry).
  void rebuild(LiveInstance& inst);
  // Writes the record and indexes, commits, then releases effects.
  void commit(LiveInstance& inst, Transition&& tx);
  // Commits a transition that touches no instance (also an ordering barrier:
  // its on_done runs after every transition submitted before it).
  void commit_detached(Transition&& tx);
  // Evicts `inst` if nothing keeps it in memory (after a rejected command).
  void release(LiveInstance& inst);
  // Retention: ids whose deletion is committing. Until end_deletion(), loads
  // answers not_found and start() may reuse the id, so no command reads the
  // old record and writes after the delete (a record without its journal).
  void begin_deletion(const std::vector<std::string>& ids);
  void end_deletion(const std::vector<std::string>& ids);
  bool being_deleted(std::string_view id) const { return deleting_.contains(std::string(id)); }
  // The retention sweep's watch (engine/base/change_watch.h): from
  // watch_changes() (before its snapshot) to end_watch(), the instances
  // whose commits became durable.
  void watch_changes() { changes_.start(); }
  std::optional<ChangeWatch::Changed> end_watch() { return changes_.finish(); }
  // Runs `fn` on the loop in a later turn (to answer a rejected command
  // asynchronously, like every other answer).
  void defer(std::move_only_function<void()> fn);
  // Random number in [0, 1) for retry jitter (not for workflow code).
  double jitter01() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  // Concurrency keys (engine/flow/key_slots.h): who holds and who waits.
  // commit() keeps it in step with each record; a holder that finishes
  // hands its slot to the next waiter, which is admitted (its code starts)
  // in a later loop turn.
  KeySlots& slots() { return slots_; }

  // ---- Introspection ---------------------------------------------------------
  size_t live_count() const { return live_.size(); }
  // Reads and blocking steps submitted to a pool and not yet back on the loop.
  size_t pool_jobs_in_flight() const {
    return reads_.outstanding() + timers_.scans_in_flight() + blocking_steps_.outstanding();
  }
  TimerService& timers() { return timers_; }
  void poll_timers() { timers_.poll(); }

 private:
  struct PendingLoad {
    uint64_t generation = 0;  // live_generation_ when the read began
    std::vector<WithInstance> waiters;
  };
  // A read is back on the loop: installs the instance and runs the waiters.
  void on_loaded(const std::string& id, uint64_t generation, Result<StoredInstance> stored);
  // Puts a stored instance into memory and replays it to where it waits.
  LiveInstance& install(StoredInstance stored);
  // A Context for `id` whose tasks run through the participant.
  std::unique_ptr<Context> make_context(const InstanceRecord& r, std::vector<JournalEntry> journal);
  // Brings the slots in line with the record about to be committed.
  void sync_slot(const InstanceRecord& r);
  // Runs a waiter that KeySlots moved into a slot under `key`: queued ->
  // running (or, when it is gone, the slot passes on).
  void admit(const std::string& key, const std::string& id);
  // A waiter that took a slot: status running, a kAdmitted entry, and its
  // code runs.
  void run_admitted(LiveInstance& inst, Transition& tx);
  // A debounced run's quiet period is over (its timer fired): it runs now
  // if the key has room, else it queues like any start.
  void end_debounce(LiveInstance& inst, Transition& tx);
  void on_timer(const keys::TimerKey& key);
  void fire_timer(const keys::TimerKey& key, Result<LiveInstance*> loaded);
  // A due timer whose instance could not be read (an I/O error, not a
  // missing instance) is tried again after kLoadRetryMs, not dropped: its
  // row is still on disk but the in-memory window has let it go.
  void retry_timer_later(const keys::TimerKey& key);
  void retry_timers();
  // Turns the pending await into durable work. Returns true if it produced
  // an outcome the workflow can consume at once (a sleep already due).
  bool register_wait(LiveInstance& inst, Transition& tx, const AwaitRequest& req);
  void schedule_step(LiveInstance& inst, Transition& tx);
  // Holds the step `req` until its send window opens (step_window.h):
  // journals step_deferred and sets the timer. True when the step must not
  // start now (deferred, or the instance failed on a window it names that
  // does not exist).
  bool defer_step(LiveInstance& inst, Transition& tx, const AwaitRequest& req);
  // Runs a synchronous step now, inside `tx` (the timer fire or step
  // completion that reached it commits with its result: one commit, not two).
  // Returns true when its result lets the workflow go on at once.
  bool run_step_inline(LiveInstance& inst, Transition& tx, const SyncStepFn& fn);
  // Writes a step attempt's outcome into `tx`: its result, or a failure
  // with a retry timer or the instance failed. True for a result.
  bool journal_step_outcome(LiveInstance& inst, Transition& tx, uint32_t attempt,
                            Result<nlohmann::json> result);
  void run_step(const std::string& id, uint64_t epoch);
  // Journals a step's outcome. noexcept: it runs inside step code and from
  // libuv/libcurl callbacks, so nothing may unwind out of it; a result that
  // cannot be encoded fails the attempt instead.
  void on_step_done(const std::string& id, uint64_t epoch, uint32_t attempt,
                    Result<nlohmann::json> result) noexcept;
  void replay(LiveInstance& inst);
  void finish(LiveInstance& inst, Transition& tx);
  void fail(LiveInstance& inst, Transition& tx, const Error& error);
  // The workflow returned after Context::continue_as_new: this run
  // completes and the id's next run starts from `input` in `tx` (renew),
  // keeping the concurrency slot; its code runs after the commit (run_next).
  void continue_as_new(LiveInstance& inst, Transition& tx, nlohmann::json input);
  void run_next(const std::string& id, uint64_t epoch);
  // Sends an outbox notice (outbox.h) and deletes its row `key` once it was
  // delivered or cannot be.
  void deliver(std::string key, Notice notice);
  // A parent's cancel: reads its children (`H` rows) on the pool and
  // cancels each.
  void cancel_children(std::string key, Notice notice);
  // A notice's delivery answered `r`: its row goes unless `r` is a
  // retryable error.
  void notice_done(std::string key, const std::string& about, const Result<nlohmann::json>& r);
  void submit(Transition&& tx, std::move_only_function<void(const Result<void>&)> last);
  void maybe_evict(const std::string& id);
  bool keep_warm(const LiveInstance& inst) const;
  void on_commit_failed(const Error& error);
  void finish_recovery();

  static constexpr DurationMs kLoadRetryMs = kSecondMs;
  // Synchronous steps a timer fire or step completion may run inside its
  // own transition before the next goes through the step queue (and a
  // commit of its own).
  static constexpr uint32_t kMaxInlineSteps = 16;

  Deps deps_;
  WarmOptions warm_;
  RuntimeParticipant* participant_ = nullptr;
  InstanceCommandRunner commands_;
  std::vector<keys::TimerKey> load_retries_;
  std::vector<std::pair<std::string, std::string>> admit_retries_;  // (key, id) whose load failed
  // A cancel cascade under way (cancel_children): its outbox row, the
  // children read from the `H` rows, and how far it got.
  struct Cascade {
    std::string key;
    Notice notice;
    std::string reason;
    std::vector<std::string> children;
    size_t next = 0;  // the first child not yet sent a cancel
    size_t left = 0;  // cancels of this round not yet answered
    std::optional<Error> retry;
  };
  static constexpr size_t kCascadeRound = 64;
  void cancel_next_children(const std::shared_ptr<Cascade>& cascade);
  KeySlots slots_;
  UvTimer load_retry_timer_;
  TimerService timers_;
  std::unordered_map<std::string, std::unique_ptr<LiveInstance>> live_;
  std::unordered_set<std::string> deleting_;
  ChangeWatch changes_;
  std::unordered_map<std::string, PendingLoad> loads_;
  // Bumped whenever live_ is dropped (recovery): reads begun before it may
  // predate what recovery committed, so their results are not installed.
  uint64_t live_generation_ = 0;
  bool recover_in_flight_ = false;
  UvTimer recovery_retry_timer_;
  uint64_t next_epoch_ = 1;
  bool accepting_ = false;
  bool recovering_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
  WorkScope blocking_steps_;
  WorkScope reads_;  // last: destroyed first, so no read outlives the members above
};

}  // namespace sundial
