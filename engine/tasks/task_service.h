// TaskService: the task queues (docs/tasks.md). Producers enqueue tasks;
// workers in any language claim them with a lease, heartbeat, and complete
// or fail them; a lease that runs out puts the task back with its backoff;
// after max_attempts it is failed (dead) until retried.
//
// Every change is a pure decision (task_transitions.h) committed through
// the runtime's commit path (Runtime::commit_detached: group commit, one
// fsync) and answered only once durable. What lives in memory:
//  - running tasks (all of them, so heartbeat, complete and fail never read
//    the disk), with each queue's counts, settings and waiting claims;
//  - per (queue, type), a ReadyWindow over the head of the ready index,
//    refilled by scans on the WorkPool;
//  - tasks being changed by a command that had to read them (cancel,
//    retry, a delay's timer), pinned until their commits are durable.
// Delays and backoffs are rows in the `timers` column family, fired by the
// runtime's TimerService. A lease's end is an in-memory timer there
// (TimerService::add_in_memory), kept with the running task and re-armed
// from the running tasks at recovery: a claim and its completion write no
// timer rows.
//
// Concurrency keys (docs/tasks.md): a task that arrives under a key
// (enqueued ready, its delay ended, retried) holds one of the key's slots
// while it is pending, leased or backing off, or waits with status queued
// in arrival order. The rule is the workflows' KeySlots, in a space of its
// own (the `G` index rows, rebuilt from one scan at recovery). A finished
// task hands its slot to the next waiter, which becomes ready in a commit
// after the one that freed it. A coalescing enqueue's follow-up stays in
// memory while it is queued, so later enqueues fold into it without a read;
// so do other waiters, up to max_kept_waiters, so their admission reads
// nothing (past the cap, and after a restart, it reads the record).
//
// A claim with `wait` long-polls: it is answered the moment a task it may
// take becomes ready (enqueue, a delay or backoff ending, resume, a slot
// freed under max_in_flight), or with none when the wait runs out.
//
// Failure: a failed commit makes the runtime recover; it calls reset()
// (everything in memory dropped, waiting claims answered unavailable)
// and then recover() (read back from storage).
//
// Threading: loop thread only; reads on the WorkPool.
// Ownership: owned by Engine. Borrows Loop, Store, WorkPool and Runtime,
// which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/change_watch.h"
#include "engine/base/error.h"
#include "engine/base/log_histogram.h"
#include "engine/flow/key_slots.h"
#include "engine/flow/limiters.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/runtime/runtime.h"
#include "engine/storage/store.h"
#include "engine/tasks/ready_window.h"
#include "engine/tasks/task_model.h"
#include "engine/tasks/task_options.h"
#include "engine/tasks/task_transitions.h"
#include "engine/transitions/commands.h"

namespace sundial {

struct EnqueueResult {
  std::string task_id;
  TaskStatus status = TaskStatus::kPending;
  bool created = true;  // false: the dedupe key named a task already pending or running, or:
  // Its concurrency key was busy and on_busy folded its payload into the
  // queued follow-up `task_id` (coalesce), or created nothing (drop;
  // `task_id` names a task that holds the key).
  bool coalesced = false;
  bool dropped = false;
};

struct TaskCompletion {
  std::string id;
  std::string lease;
  nlohmann::json result;
};

struct ClaimRequest {
  std::string queue;
  std::string worker;
  uint32_t max = 1;
  DurationMs wait = 0;
  std::vector<std::string> types;  // empty: any type
  // For a claim that waits: whether its client left (nothing is leased to
  // it then). Default: never.
  std::function<bool()> client_gone;
};

// What memory knows of a queue's longest-waiting ready task, and where the
// disk may hold an older one: for each type whose window does not hold all
// its ready tasks, the key to seek from (past what the window accounts
// for: the tasks claimed before it, and their deleted index entries, are
// behind it).
struct OldestReadyPlan {
  std::string queue;
  std::optional<TimeMs> in_memory;
  std::vector<std::pair<std::string, std::string>> seek_from;  // (type, first ready key to read)
};

// What PUT /api/v1/queues/{queue} (and pause, resume) change: nullopt
// leaves a setting as it is.
struct QueueSettings {
  std::optional<bool> paused;
  std::optional<uint32_t> max_in_flight;  // 0: no limit
  std::optional<std::string> limit;       // a limiter reference; "": none
};

// A queue as the API shows it.
struct QueueView {
  QueueRecord record;
  uint64_t completed_last_minute = 0;
  size_t waiting_claims = 0;
};

struct TaskStats {
  uint64_t enqueued = 0;
  uint64_t claimed = 0;
  uint64_t completed = 0;
  uint64_t failed_attempts = 0;  // fail calls and expired leases
  uint64_t dead = 0;             // tasks that ended failed
  uint64_t lease_expiries = 0;
  uint64_t record_reads = 0;  // task records read on the pool (cancel, retry, a delay's timer)
  LogHistogram claim_to_complete_ms;
};

class TaskService : public RuntimeParticipant {
 public:
  TaskService(Loop& loop, Store& store, WorkPool& pool, Runtime& runtime, TaskServiceOptions options = {});
  ~TaskService() override;
  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  // ---- Commands: `reply` runs on the loop, after the change is durable ----
  // Specs must have passed validation (the HTTP layer's parser); all are
  // committed in one write, answered in order.
  void enqueue(std::vector<TaskSpec> specs, Reply<std::vector<EnqueueResult>> reply);
  void claim(ClaimRequest request, Reply<std::vector<TaskRecord>> reply);
  void heartbeat(const std::string& id, const std::string& lease, Reply<TaskRecord> reply);
  void complete(const std::string& id, const std::string& lease, nlohmann::json result,
                Reply<TaskRecord> reply);
  // Many completions at once (POST /api/v1/tasks:complete): each answered
  // as complete() would answer it, in order; those of running tasks are
  // committed in one transition.
  void complete_many(std::vector<TaskCompletion> completions, Reply<std::vector<Result<TaskRecord>>> reply);
  void fail(const std::string& id, const std::string& lease, TaskFailure failure, Reply<TaskRecord> reply);
  void retry(const std::string& id, Reply<TaskRecord> reply);
  void cancel(const std::string& id, Reply<TaskRecord> reply);
  // Changes a queue's settings (creating it). A limit must name a
  // declared limiter (invalid_argument otherwise).
  void configure(const std::string& queue, QueueSettings settings, Reply<QueueView> reply);
  // The shared rate limiters a queue's `limit` names; they must outlive
  // the service. None: a queue cannot name one.
  void use_limiters(Limiters* limiters) { limiters_ = limiters; }

  // ---- Retention (engine/retention/retention_sweep.h) ----
  // From now until forget_finished(), remembers which tasks change: the
  // sweep plans on a snapshot taken after this call, and must not delete
  // a task that changed since (retried, then finished again).
  void watch_changes();
  // Deletes the finished tasks `planned` (as the sweep's snapshot read
  // them) with their index keys, unless one changed since watch_changes()
  // or is in use now; the queues' counts go down with them. `done` runs
  // on the loop once durable, with how many were deleted. Ends the watch.
  void forget_finished(std::vector<TaskRecord> planned, std::move_only_function<void(size_t)> done);

  // Stops taking commands and answers every waiting claim with no tasks
  // (the engine closes).
  void close();

  // ---- In-memory views (cheap) ----
  std::vector<QueueView> queues() const;
  std::optional<QueueView> queue(const std::string& name) const;
  const TaskStats& stats() const { return stats_; }
  // When the longest-waiting ready task of a queue became ready: what the
  // ready windows hold (oldest_ready_plan(), on the loop), then one seek
  // per type and priority that memory does not cover, on a storage
  // snapshot (oldest_ready(), on the query pool, never the loop). nullopt
  // when none is ready.
  OldestReadyPlan oldest_ready_plan(const std::string& queue) const;
  static Result<std::optional<TimeMs>> oldest_ready(Store& snapshot, const OldestReadyPlan& plan);
  size_t running_tasks() const { return running_.size(); }
  // Reads (tasks, ready-index scans, recovery) on the pool not yet back.
  size_t reads_in_flight() const { return reads_.outstanding(); }
  size_t waiting_claims() const;
  // Tasks that hold or wait for a slot of a concurrency key.
  const KeySlots& key_slots() const { return slots_; }

  // ---- RuntimeParticipant ----
  bool owns_timer(std::string_view timer_id) const override;
  void on_timer(const keys::TimerKey& key) override;
  void reset() override;
  void recover(std::move_only_function<void(Result<void>)> done) override;
  void run_task(const StepInfo& step, const TaskSpec& spec, StepDone done) override;

  // The id of the task a workflow step stands for: derived from the
  // instance id and the step name, so the same step always names the same task.
  static std::string workflow_task_id(std::string_view instance_id, std::string_view step_name) {
    return derived_task_id("wf", instance_id, step_name);
  }
  // "<kind>-" and 32 hex digits from (a, b): the same every time (a
  // webhook's task: "wh" and the delivery's dedupe key).
  static std::string derived_task_id(std::string_view kind, std::string_view a, std::string_view b);

 private:
  struct Waiter;
  struct Queue;
  struct Pinned;
  struct Staged;
  using WithTask = std::move_only_function<void(Result<TaskRecord*>)>;

  Queue& queue_state(const std::string& name);
  ReadyWindow& window(Queue& q, const std::string& type, bool complete);
  void count(Queue& q, const TaskRecord* before, const TaskRecord& after);
  void write_queue(Queue& q, Transition& tx);
  // Commits `tx` for the tasks `ids`; `then` runs once durable (or failed).
  void commit(Transition&& tx, std::vector<std::string> ids,
              std::move_only_function<void(const Result<void>&)> then);
  // After a durable change: a ready task joins its window, waiting claims are served.
  void became_ready(const TaskRecord& task, size_t bytes);
  void serve(Queue& q);
  void serve_waiters(Queue& q);
  void end_loaded_claims(Queue& q);
  // Whether a scan under way may bring `types` tasks to a window now empty.
  bool loading(const Queue& q, const std::vector<std::string>& types) const;
  std::vector<TaskRecord> take_ready(Queue& q, uint32_t max, const std::vector<std::string>& types);
  // The gate of the queue's limiter, or none (no limit, or it names a
  // limiter that no longer exists: logged once, and the queue runs free).
  RateGate* limit_gate(Queue& q);
  // Serves the queue again once its limiter has a token.
  void wake_when_limited(Queue& q, RateGate& gate);
  void lease(Queue& q, std::vector<TaskRecord> ready, const std::string& worker,
             Reply<std::vector<TaskRecord>> reply);
  void scan_if_needed(Queue& q, const std::string& type, ReadyWindow& w);
  // Runs `fn` with the task's current record (running, pinned, or read on
  // the pool); calls for one id run in order.
  void with_task(const std::string& id, WithTask fn);
  void load(const std::string& id);
  void on_loaded(const std::string& id, Result<std::optional<TaskRecord>> read);
  void touched(const std::string& id);  // a change not through with_task: a load under way is stale
  // running_ changes only through these two: each running task's lease end
  // is armed as an in-memory timer while it is in running_.
  void put_running(TaskRecord record);
  void erase_running(const std::string& id);
  void unpin_if_idle(const std::string& id);
  // A change to a task decided through with_task or a lease call: commit and answer.
  void apply(TaskRecord* current, Result<TaskRecord> next, Reply<TaskRecord> reply);
  // apply() in two halves, so many changes can share one transition:
  // writes `next` into `tx` and changes memory (the queues whose records
  // the caller must write are added to `queues`); settle() finishes once
  // the commit is in.
  Result<Staged> stage(TaskRecord* current, TaskRecord next, Transition& tx, std::set<Queue*>& queues);
  void settle(Staged& staged, const Result<void>& committed);
  void enqueue_checked(std::vector<TaskSpec> specs, std::vector<std::optional<std::string>> existing,
                       Reply<std::vector<EnqueueResult>> reply);
  // ---- Concurrency keys ----
  // A task arriving under its key (arrives_now()) now: it holds a slot
  // when the key has room, else it is queued (a follow-up when it is a
  // coalescing enqueue's).
  void arrive(TaskRecord& task, bool follow_up = false);
  // KeySlots in step with a record about to be committed; a slot it let go
  // of goes to the next waiters (admit()).
  void sync_slot(const TaskRecord& after);
  // Makes a waiter that KeySlots moved into a slot ready (or, when it is
  // gone, passes the slot on).
  void admit(const std::string& key, const std::string& id);
  // The key's queued follow-up a coalescing enqueue of `spec` may fold into.
  TaskRecord* foldable_follow_up(const TaskSpec& spec);
  // Whether a record stays in memory while queued (Pinned::kept): a
  // follow-up always, another waiter while fewer than max_kept_waiters are.
  bool keeps(const TaskRecord& t, bool kept_now) const;
  void set_kept(Pinned& p, bool kept);
  void release_dedupe(const std::vector<std::string>& keys);
  // A task ended: the workflow steps waiting for it hear its outcome.
  void notify_watchers(const TaskRecord& task);
  void fail_watchers(const std::string& id, const Error& error);
  static std::string lookup_key(const TaskSpec& s);
  // A dedupe key holder's status as memory knows it (a decided change
  // counts, durable or not); pending when it is not in memory.
  TaskStatus live_status(const std::string& id) const;
  void answer_waiter(std::list<Waiter>::iterator it, Queue& q, std::vector<TaskRecord> tasks);
  Error unavailable() const { return runtime_.not_accepting_error(); }
  uint64_t next_seq() { return ++seq_; }
  std::string new_lease();

  Loop& loop_;
  Store& store_;
  Runtime& runtime_;
  TaskServiceOptions options_;
  std::map<std::string, std::unique_ptr<Queue>, std::less<>> queues_;
  std::unordered_map<std::string, TaskRecord> running_;
  std::unordered_map<std::string, Pinned> pinned_;
  std::unordered_map<std::string, uint32_t> commits_in_flight_;  // by task id
  // Dedupe keys (as stored) an enqueue is looking up or committing, and the
  // enqueues that wait for them.
  std::unordered_map<std::string, std::vector<std::move_only_function<void()>>> dedupe_busy_;
  // Workflow steps waiting for their task to end, by task id.
  std::unordered_map<std::string, std::vector<StepDone>> watchers_;
  KeySlots slots_;   // concurrency keys: who holds, who waits
  size_t kept_ = 0;  // pinned records with `kept`
  Limiters* limiters_ = nullptr;
  ChangeWatch changes_;  // watch_changes() to forget_finished()
  uint64_t seq_ = 0;
  uint64_t last_id_ = 0;     // ordered_hex128's state: new task ids sort in enqueue order
  uint64_t generation_ = 0;  // bumped by reset(): answers of older reads are dropped
  TaskStats stats_;
  bool accepting_ = false;
  WorkScope reads_;  // last: destroyed first
};

}  // namespace sundial
