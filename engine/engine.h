// Engine: the durable workflow engine's facade. Opens storage, recovers
// what was running, fires durable timers, and takes commands (start,
// signal, pause, resume, cancel, retry) whose answers come only after the
// change is on disk. Queries read durable state, on the query pool against
// a storage snapshot, and answer on the loop. Events go to subscribers
// after their commit and to the capped event log.
//
// Start here: this header, then engine/README.md.
//
// Threading: loop thread only (the thread that owns `loop`).
// Ownership: Engine owns the Store, the WorkPool and every engine service;
// it borrows the Loop, the Clock and the Registry, which must outlive it.
// Destroy the Engine before the Loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/audit/audit_log.h"
#include "engine/base/clock.h"
#include "engine/erasure/erasure_service.h"
#include "engine/events/activity_window.h"
#include "engine/events/event_log.h"
#include "engine/kv/kv_service.h"
#include "engine/loop/loop.h"
#include "engine/loop/thread_work_pool.h"
#include "engine/loop/work_pool.h"
#include "engine/options.h"
#include "engine/queries.h"
#include "engine/retention/retention_sweep.h"
#include "engine/runtime/idempotency.h"
#include "engine/runtime/registry.h"
#include "engine/runtime/runtime.h"
#include "engine/schedules/schedule_service.h"
#include "engine/snapshot_reader.h"
#include "engine/stats_reader.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"
#include "engine/tasks/task_service.h"
#include "engine/transitions/commands.h"

namespace sundial {

class TopicService;
class SubscriptionService;

class Engine {
 public:
  // Opens RocksDB at options.data_dir.
  static Result<std::unique_ptr<Engine>> open(Loop& loop, Clock& clock, const Registry& registry,
                                              EngineOptions options);
  // Opens over a given store (tests wrap RocksDB in a fault-injecting
  // store) and, when given, a given work pool that then serves queries too
  // (tests complete its jobs by hand); by default a UvWorkPool on `loop`
  // for loads and scans, and a background-priority ThreadWorkPool for
  // queries.
  static Result<std::unique_ptr<Engine>> open_with_store(Loop& loop, Clock& clock, const Registry& registry,
                                                         EngineOptions options, std::unique_ptr<Store> store,
                                                         std::unique_ptr<WorkPool> pool = nullptr);
  // Stops timers and the sweep, and waits until every submitted commit has
  // completed and been answered.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- Commands: `reply` runs on the loop, after the change is durable ----
  void start(StartRequest req, Reply<StartReply> reply);
  // `idempotency_key`: a repeat within the idempotency window journals
  // nothing and answers with the instance's status (webhook redeliveries).
  void signal(const std::string& id, const std::string& name, nlohmann::json payload,
              Reply<CommandReply> reply, std::optional<std::string> idempotency_key = std::nullopt);
  void pause(const std::string& id, Reply<CommandReply> reply);
  void resume(const std::string& id, ResumePolicy policy, Reply<CommandReply> reply);
  void cancel(const std::string& id, std::string reason, Reply<CommandReply> reply);
  // `policy` as resume's, for the time the instance spent failed.
  void retry(const std::string& id, ResumePolicy policy, Reply<CommandReply> reply);
  // Skips the step that failed `id` (SkipCommand) and runs on from there.
  void skip(const std::string& id, SkipCommand cmd, Reply<CommandReply> reply);
  // A bulk run's command: applied only if `id` is still `as_read` (conflict else).
  void steer(const std::string& id, SteerCommand cmd, AsRead as_read, Reply<CommandReply> reply);
  // Moves an instance from version `from` of its (script) type to version
  // `to`, only if `to` dry-replays its journal (engine/runtime/dry_replay.h).
  void upgrade(const std::string& id, std::string from, std::string to, Reply<CommandReply> reply);

  // ---- Queries over durable state ----
  // Each reads one storage snapshot on the query pool; `done` runs on the
  // loop (never inside the call). Answers pending when the engine closes
  // are dropped. engine/queries.h has the synchronous forms (sundialctl).
  // `run`: an earlier run of an id that ran again (IdReuse); none for the latest.
  void describe(std::string id, QueryDone<InstanceRecord> done, std::optional<uint32_t> run = std::nullopt);
  void list(ListQuery query, QueryDone<ListPage> done);
  void history(std::string id, QueryDone<std::vector<JournalEntry>> done,
               std::optional<uint32_t> run = std::nullopt);
  void timers(TimeMs due_before, size_t limit, QueryDone<std::vector<keys::TimerKey>> done);
  // The SSE replay: the event log's first sequence number and up to
  // `limit` events after `after`.
  void event_backlog(uint64_t after, size_t limit, QueryDone<EventBacklog> done);
  // Any read-only query: `read(snapshot)` returns Result<T>. Callers whose
  // shaping of the answer is CPU work too (the HTTP API encodes its JSON)
  // do it inside `read`, off the loop.
  template <typename T, typename Read>
  void read(Read read, QueryDone<T> done) {
    queries_->run<T>(std::move(read), std::move(done));
  }
  // Instance counts by status and pending timers (a full index walk);
  // concurrent requests share one read.
  void stats(StatsReader::Done done);
  // Queries submitted and not yet answered (stats not included).
  size_t queries_in_flight() const { return queries_ ? queries_->in_flight() : 0; }
  const Registry& registry() const { return registry_; }
  // The deployment's send windows, for starts that name one by name.
  const SendWindowCatalog& send_windows() const { return options_.send_windows; }
  // The engine's clock (a ManualClock in tests).
  TimeMs now() const { return clock_.now_ms(); }

  // ---- Backups (docs/operations.md) ----
  // Takes an online, consistent backup of the whole store into the new
  // directory `dest` (engine/storage/backup.h: a RocksDB checkpoint and a
  // manifest) on a background thread of its own, so neither the loop nor
  // the admin reads wait for it; writes go on meanwhile. `done` runs on the
  // loop. One at a time: another while one runs is kConflict.
  void backup(std::string dest, std::move_only_function<void(Result<BackupInfo>)> done);

  // ---- Erasure (docs/operations.md) ----
  // Erases the instances `request.attr` finds and everything they hold,
  // cancelling the running ones first (engine/erasure/erasure_service.h);
  // a dry run only says which. `done` runs on the loop.
  void erase(ErasureRequest request, Reply<ErasureReport> done) { erasure_->erase(std::move(request), std::move(done)); }

  // ---- Engine-wide durable state in the kMeta column family (the Lua
  // script store, workflows/lua/script_store.h), under keys of its own ----
  // Commits `batch` in line with the instance commits; `done` runs on the
  // loop once it is durable (or failed).
  void write_meta(Batch batch, std::move_only_function<void(Result<void>)> done);
  // Start-up only, before the loop runs and before anything is served:
  // reads the kMeta keys under `prefix`, and writes a batch at once.
  Result<void> scan_meta_at_startup(std::string_view prefix, const ScanFn& fn);
  Result<void> write_meta_at_startup(const Batch& batch);
  EventLog& events() { return *events_; }
  // The record of changing admin calls (engine/audit/audit_log.h). The
  // weak form is for answers that may outlive the engine (a Responder
  // dropped with a pool job at close): recording through it after the
  // engine is gone does nothing.
  AuditLog& audit() { return *audit_; }
  std::weak_ptr<AuditLog> audit_ref() { return audit_; }
  // Starts, completions and failures per minute over the last hour.
  ActivityReport activity() const { return activity_.report(clock_.now_ms()); }
  // The task queues (engine/tasks/task_service.h): enqueue, claim, leases.
  TaskService& tasks() { return *tasks_; }
  // Cron and interval schedules (engine/schedules/schedule_service.h).
  ScheduleService& schedules() { return *schedules_; }
  // The durable key-value facility workflows keep maps in (engine/kv/kv_service.h).
  KvService& kv() { return *kv_; }
  // The event bus: topics (engine/topics/topic_service.h) and the
  // subscriptions that turn their events into starts, signals and tasks
  // (engine/topics/subscription_service.h).
  TopicService& topics() { return *topics_; }
  SubscriptionService& subscriptions() { return *subscriptions_; }
  // Runs `fn` on the loop in a later turn (an answer that must not come
  // inside the call that asked).
  void defer(std::move_only_function<void()> fn) { runtime_->defer(std::move(fn)); }

  // True once recovery finished and until close; false while recovering
  // from a failed commit.
  bool ready() const { return runtime_->accepting(); }
  // Why the engine is not ready: storage_unavailable while the storage
  // cannot write (disk full, I/O error; it is being reopened), unavailable
  // while it recovers from a failed commit or closes. nullopt when ready.
  std::optional<Error> not_ready_reason() const;
  // Fires due timers now (tests advance a ManualClock, then call this).
  void poll_timers() { runtime_->poll_timers(); }
  // Sweeps retention now; `done` runs after the deletes are durable.
  void sweep_now(std::move_only_function<void(SweepResult)> done) { sweep_->run_now(std::move(done)); }
  size_t live_instances() const { return runtime_->live_count(); }
  size_t commits_in_flight() const { return commits_->in_flight(); }
  // Instance loads, timer scans, blocking steps, task reads and queries
  // submitted to a pool and not yet back on the loop (tests drain until zero).
  size_t pool_jobs_in_flight() const {
    return runtime_->pool_jobs_in_flight() + tasks_->reads_in_flight() + queries_in_flight() +
           (erasure_ ? erasure_->in_flight() : 0) +
           (kv_ ? kv_->reads_in_flight() : 0) + bus_reads_in_flight();
  }
  CommitQueue::Stats commit_stats() const { return commits_->stats(); }
  TimerService::Stats timer_stats() { return runtime_->timers().stats(); }
  size_t timers_in_memory() { return runtime_->timers().in_memory(); }
  // Storage reads made on a loop thread so far (docs/threading.md rule 1).
  uint64_t loop_thread_store_reads() const { return store_->loop_thread_reads(); }
  // Where work leaves the loop (libuv's thread pool); it outlives every
  // engine service.
  WorkPool& pool() { return *pool_; }
  // What storage holds in memory (memtables, block cache, table readers).
  StorageMemory storage_memory() const { return store_->memory_usage(); }

 private:
  Engine(Loop& loop, Clock& clock, const Registry& registry, EngineOptions options,
         std::unique_ptr<Store> store, std::unique_ptr<WorkPool> pool);
  Result<void> open_services();
  size_t bus_reads_in_flight() const;
  // Where admin reads run: the query pool, or the pool tests handed in.
  WorkPool& reads_pool() { return query_pool_ ? *query_pool_ : *pool_; }

  Loop& loop_;
  Clock& clock_;
  const Registry& registry_;
  EngineOptions options_;
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ThreadWorkPool> blocking_pool_;  // steps run with step_blocking
  // Admin reads at background priority; null when tests hand in a pool
  // (their queries run on it too, so they can be completed by hand).
  std::unique_ptr<ThreadWorkPool> query_pool_;
  std::unique_ptr<CommitQueue> commits_;
  std::unique_ptr<EventLog> events_;
  std::shared_ptr<AuditLog> audit_;  // shared only so late answers can hold a weak_ptr
  ActivityWindow activity_;  // fed by events_
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<TaskService> tasks_;          // borrows runtime_: destroyed before it
  std::unique_ptr<ScheduleService> schedules_;  // fires through runtime_ and tasks_
  std::unique_ptr<IdempotencyKeys> idempotency_;
  std::unique_ptr<KvService> kv_;
  std::unique_ptr<TopicService> topics_;
  std::unique_ptr<SubscriptionService> subscriptions_;  // borrows topics_ and this engine
  std::unique_ptr<RetentionSweep> sweep_;
  std::unique_ptr<StatsReader> stats_;
  std::unique_ptr<SnapshotReader> queries_;
  std::unique_ptr<ErasureService> erasure_;  // borrows runtime_ and the reads pool
  // Made at the first backup; the scope goes first (it waits for a running one).
  std::unique_ptr<ThreadWorkPool> backup_pool_;
  std::unique_ptr<WorkScope> backup_scope_;
  bool backup_running_ = false;
};

}  // namespace sundial
