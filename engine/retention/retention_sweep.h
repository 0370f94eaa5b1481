// RetentionSweep keeps the disk from growing without bound. Every interval
// it deletes finished instances (completed, failed, cancelled) whose
// retention has passed, with their journals and index keys, finished tasks
// (completed, failed, cancelled) past the same retention, expired
// idempotency keys, events beyond the event log's capacity, and audit
// entries past their retention or count (AuditLog::trim). Tasks are
// deleted by the TaskService (forget_finished), which knows which of them
// changed since the plan's snapshot (watch_changes) without reading.
//
// The search runs on the WorkPool (index range scans against one storage
// snapshot), never on the loop. Before the snapshot is taken the Runtime,
// IdempotencyKeys and TaskService each start a ChangeWatch
// (engine/base/change_watch.h); the loop then skips every candidate that
// changed since (and every instance in memory) without reading the store,
// and commits the deletes through the commit queue like any transition.
// Until that commit is durable the Runtime treats the ids as gone
// (Runtime::begin_deletion), so a sweep never races with a command on the
// same instance. An idempotency key recorded again between plan and apply
// (durable or not) is kept.
//
// Threading: loop thread, except plan() which runs on the pool.
// Ownership: owned by Engine; borrows the WorkPool (and its Loop), Clock,
// Store, Runtime, TaskService, EventLog, AuditLog and IdempotencyKeys.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/audit/audit_log.h"
#include "engine/base/clock.h"
#include "engine/events/event_log.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/runtime/idempotency.h"
#include "engine/runtime/runtime.h"
#include "engine/storage/store.h"
#include "engine/tasks/task_service.h"

namespace sundial {

struct RetentionOptions {
  // Default: 30d. How long finished instances and their journals are kept.
  DurationMs retention = 30 * kDayMs;
  // Default: 60s. Time between sweeps.
  DurationMs interval = kMinuteMs;
  // Default: 1000. Most instances (and keys) one sweep round deletes; a
  // round that hits it is followed by another at once.
  size_t batch_limit = 1000;
};

struct SweepPlan {
  std::vector<InstanceRecord> finished;             // records of instances past retention
  std::vector<TaskRecord> finished_tasks;           // records of tasks past retention
  std::vector<std::string> dangling_task_finished;  // task finished-index keys without a record
  std::vector<std::string> dangling_finished;       // finished-index keys without a record
  std::vector<std::string> expired_key_index;       // index keys of expired idempotency keys
  std::vector<std::string> expired_keys;            // idempotency keys to delete
  uint64_t audit_expired_below = 0;                 // audit entries below this seq are past retention
  Result<void> status;
};

struct SweepResult {
  size_t instances_deleted = 0;
  size_t keys_deleted = 0;
  size_t tasks_deleted = 0;
};

class RetentionSweep {
 public:
  RetentionSweep(WorkPool& pool, Clock& clock, Store& store, Runtime& runtime, TaskService& tasks,
                 EventLog& events, AuditLog& audit, IdempotencyKeys& idempotency, RetentionOptions options);
  ~RetentionSweep();
  RetentionSweep(const RetentionSweep&) = delete;
  RetentionSweep& operator=(const RetentionSweep&) = delete;

  // Starts the periodic sweep.
  void start();
  // Sweeps once now; `done` runs on the loop after the deletes are durable.
  // Ignored (done not called) while a sweep is running.
  void run_now(std::move_only_function<void(SweepResult)> done = nullptr);
  // Stops the timer and waits (running the loop) for a sweep in progress.
  void stop();

  // Candidates as of `now`: instances finished before now - retention and
  // keys expired by now, at most `limit` of each, and audit entries older
  // than now - audit_retention. Any thread; the sweep runs it on the pool
  // against a snapshot.
  static SweepPlan plan(Store& store, TimeMs now, DurationMs retention, size_t limit,
                        DurationMs audit_retention);

 private:
  void planned(SweepPlan plan, std::move_only_function<void(SweepResult)> done);
  void apply(const SweepPlan& plan, std::move_only_function<void(SweepResult)> done);
  // Ends the three watches without deleting anything (no plan to apply).
  void end_watches();

  Loop& loop_;
  Clock& clock_;
  Store& store_;
  Runtime& runtime_;
  TaskService& tasks_;
  EventLog& events_;
  AuditLog& audit_;
  IdempotencyKeys& idempotency_;
  RetentionOptions options_;
  UvTimer timer_;
  WorkScope scope_;
  bool busy_ = false;
  bool stopped_ = false;
};

}  // namespace sundial
