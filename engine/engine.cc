#include "engine/engine.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/runtime/command_executor.h"
#include "engine/runtime/workflow_commands.h"
#include "engine/topics/subscription_service.h"
#include "engine/topics/topic_service.h"

namespace sundial {
namespace {

// Admin reads (a client paging 1,000-row lists, a stats walk) can keep
// every core busy; at nice 10 the kernel gives the loop and the commit
// writer about nine tenths of a contended CPU, so acknowledgements stay
// fast and the reads take what is left (docs/benchmarks.md, `mixed`).
constexpr int kBackgroundNice = 10;

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(Loop& loop, Clock& clock, const Registry& registry,
                                             EngineOptions options) {
  RocksDbOptions storage = options.storage;
  storage.path = options.data_dir;
  auto t0 = std::chrono::steady_clock::now();
  SUNDIAL_ASSIGN_OR_RETURN(auto store, RocksDbStore::open(storage));
  spdlog::info(
      "storage opened in {} ms",
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  return open_with_store(loop, clock, registry, std::move(options), std::move(store));
}

Result<std::unique_ptr<Engine>> Engine::open_with_store(Loop& loop, Clock& clock, const Registry& registry,
                                                        EngineOptions options, std::unique_ptr<Store> store,
                                                        std::unique_ptr<WorkPool> pool) {
  SUNDIAL_CHECK(loop.is_loop_thread());
  const bool own_pools = !pool;
  if (own_pools) pool = std::make_unique<UvWorkPool>(loop);
  std::unique_ptr<Engine> engine(
      new Engine(loop, clock, registry, std::move(options), std::move(store), std::move(pool)));
  if (own_pools) {
    engine->query_pool_ =
        std::make_unique<ThreadWorkPool>(loop, engine->options_.query_threads, kBackgroundNice);
  }
  SUNDIAL_TRY(engine->open_services());
  return engine;
}

Engine::Engine(Loop& loop, Clock& clock, const Registry& registry, EngineOptions options,
               std::unique_ptr<Store> store, std::unique_ptr<WorkPool> pool)
    : loop_(loop),
      clock_(clock),
      registry_(registry),
      options_(std::move(options)),
      pool_(std::move(pool)),
      store_(std::move(store)),
      activity_(clock.now_ms()) {}

Result<void> Engine::open_services() {
  blocking_pool_ = std::make_unique<ThreadWorkPool>(loop_, options_.blocking_step_threads);
  commits_ = std::make_unique<CommitQueue>(*store_, loop_);
  events_ = std::make_unique<EventLog>(loop_, *store_, options_.event_log_capacity);
  SUNDIAL_TRY(events_->open());
  events_->subscribe([this](const EngineEvent& event) { activity_.count(event); });
  audit_ = std::make_shared<AuditLog>(loop_, clock_, *store_, *commits_, options_.audit);
  SUNDIAL_TRY(audit_->open());
  runtime_ = std::make_unique<Runtime>(
      Runtime::Deps{loop_, clock_, *store_, *commits_, *events_, registry_, *pool_, *blocking_pool_,
                    options_.send_windows},
      options_.timers, options_.warm);
  tasks_ = std::make_unique<TaskService>(loop_, *store_, *pool_, *runtime_, options_.tasks);
  runtime_->set_participant(tasks_.get());
  idempotency_ = std::make_unique<IdempotencyKeys>(*store_);
  kv_ = std::make_unique<KvService>(clock_, *store_, *commits_, *pool_);
  topics_ = std::make_unique<TopicService>(loop_, clock_, *store_, *commits_, *pool_, options_.topics);
  SUNDIAL_TRY(topics_->open());
  subscriptions_ =
      std::make_unique<SubscriptionService>(loop_, clock_, *store_, *commits_, *pool_, *topics_, *this);
  SUNDIAL_TRY(subscriptions_->open());
  runtime_->set_command_runner([this](const StepInfo& step, const InstanceCommand& cmd, StepDone done) {
    run_workflow_command(*runtime_, *idempotency_, options_.idempotency_window, step, cmd, std::move(done));
  });
  stats_ = std::make_unique<StatsReader>(reads_pool(), *store_);
  queries_ = std::make_unique<SnapshotReader>(reads_pool(), *store_);
  erasure_ = std::make_unique<ErasureService>(
      *runtime_, *store_, reads_pool(),
      [this](const std::string& id, Reply<CommandReply> reply) { cancel(id, "erased on request", std::move(reply)); });
  sweep_ = std::make_unique<RetentionSweep>(reads_pool(), clock_, *store_, *runtime_, *tasks_, *events_,
                                            *audit_, *idempotency_, options_.retention);
  if (options_.before_recovery) SUNDIAL_TRY(options_.before_recovery(*this));
  // Opening waits for recovery: nothing is served before it ends.
  std::optional<Result<void>> recovered;
  runtime_->recover([&recovered](Result<void> r) { recovered = std::move(r); });
  while (!recovered) pool_->make_progress();
  SUNDIAL_TRY(*recovered);
  schedules_ =
      std::make_unique<ScheduleService>(loop_, clock_, *store_, *commits_, *this, options_.schedules);
  SUNDIAL_TRY(schedules_->open());
  schedules_->start();
  subscriptions_->start();
  sweep_->start();
  return ok();
}

void Engine::backup(std::string dest, std::move_only_function<void(Result<BackupInfo>)> done) {
  if (backup_running_) {
    return defer([done = std::move(done)]() mutable {
      done(make_error(ErrorCode::kConflict, "a backup is already running; try again when it ends"));
    });
  }
  if (!backup_pool_) {
    backup_pool_ = std::make_unique<ThreadWorkPool>(loop_, 1, kBackgroundNice);
    backup_scope_ = std::make_unique<WorkScope>(*backup_pool_);
  }
  backup_running_ = true;
  Store* store = store_.get();
  TimeMs now = clock_.now_ms();
  backup_scope_->run(
      [store, dest = std::move(dest), now]() {
        auto started = std::chrono::steady_clock::now();
        Result<BackupInfo> taken = store->checkpoint(dest, now);
        if (taken) {
          taken->took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
        }
        return taken;
      },
      [this, done = std::move(done)](Result<BackupInfo> taken) mutable {
        backup_running_ = false;
        if (taken) {
          spdlog::info("backup taken into '{}': {} files, {} bytes, in {} ms", taken->path, taken->files,
                       taken->bytes, taken->took_ms);
        } else {
          spdlog::warn("backup failed: {}", taken.error().message);
        }
        done(std::move(taken));
      });
}

Engine::~Engine() {
  backup_scope_.reset();
  backup_pool_.reset();
  // Its continuations (cancel answers, deferred deletes, commits drained
  // below) do nothing from here on; it goes after the drain.
  if (erasure_) erasure_->close();
  queries_.reset();
  stats_.reset();
  if (sweep_) sweep_->stop();
  if (schedules_) schedules_->close();
  if (tasks_) tasks_->close();
  if (runtime_) runtime_->close();
  // Before the commit queue shuts down: a kv read answered during the drain
  // below must not submit a commit, nor complete a step of a closed runtime.
  if (kv_) kv_->close();
  if (subscriptions_) subscriptions_->close();
  if (topics_) topics_->close();
  // Answer everything submitted: each completion may submit follow-up
  // transitions (a step that completes at once), so drain until quiet.
  if (commits_) {
    while (commits_->in_flight() > 0) {
      commits_->flush();
      loop_.run_once();
    }
    // Every entry recorded so far was in the drain; later ones are dropped.
    if (audit_) audit_->close();
    commits_->shutdown();
  }
  // The runtime's coroutines and timers go before the services they use.
  erasure_.reset();
  sweep_.reset();
  subscriptions_.reset();
  topics_.reset();
  schedules_.reset();
  tasks_.reset();
  runtime_.reset();
}

void Engine::start(StartRequest req, Reply<StartReply> reply) {
  start_instance(*runtime_, *idempotency_, options_.idempotency_window, std::move(req), std::move(reply));
}

void Engine::signal(const std::string& id, const std::string& name, nlohmann::json payload,
                    Reply<CommandReply> reply, std::optional<std::string> idempotency_key) {
  signal_instance(*runtime_, *idempotency_, options_.idempotency_window, id, name, std::move(payload),
                  std::move(idempotency_key), std::move(reply));
}

void Engine::pause(const std::string& id, Reply<CommandReply> reply) {
  pause_instance(*runtime_, *idempotency_, id, std::move(reply));
}

void Engine::resume(const std::string& id, ResumePolicy policy, Reply<CommandReply> reply) {
  resume_instance(*runtime_, *idempotency_, id, policy, std::move(reply));
}

void Engine::cancel(const std::string& id, std::string reason, Reply<CommandReply> reply) {
  cancel_instance(*runtime_, *idempotency_, id, std::move(reason), std::move(reply));
}

void Engine::retry(const std::string& id, ResumePolicy policy, Reply<CommandReply> reply) {
  retry_instance(*runtime_, *idempotency_, id, policy, std::move(reply));
}

void Engine::steer(const std::string& id, SteerCommand cmd, AsRead as_read, Reply<CommandReply> reply) {
  steer_as_read(*runtime_, *idempotency_, id, std::move(cmd), as_read, std::move(reply));
}

void Engine::skip(const std::string& id, SkipCommand cmd, Reply<CommandReply> reply) {
  skip_step(*runtime_, *idempotency_, id, std::move(cmd), std::move(reply));
}

void Engine::upgrade(const std::string& id, std::string from, std::string to, Reply<CommandReply> reply) {
  upgrade_instance(*runtime_, id, std::move(from), std::move(to), std::move(reply));
}

void Engine::describe(std::string id, QueryDone<InstanceRecord> done, std::optional<uint32_t> run) {
  queries_->run<InstanceRecord>([id = std::move(id), run](Store& s) { return describe_instance(s, id, run); },
                                std::move(done));
}

void Engine::list(ListQuery query, QueryDone<ListPage> done) {
  queries_->run<ListPage>([query = std::move(query)](Store& s) { return list_instances(s, query); },
                          std::move(done));
}

void Engine::history(std::string id, QueryDone<std::vector<JournalEntry>> done, std::optional<uint32_t> run) {
  queries_->run<std::vector<JournalEntry>>(
      [id = std::move(id), run](Store& s) -> Result<std::vector<JournalEntry>> {
        SUNDIAL_ASSIGN_OR_RETURN(RunHistory found, instance_history(s, id, run));
        return std::move(found.entries);
      },
      std::move(done));
}

void Engine::timers(TimeMs due_before, size_t limit, QueryDone<std::vector<keys::TimerKey>> done) {
  queries_->run<std::vector<keys::TimerKey>>(
      [due_before, limit](Store& s) { return pending_timers(s, due_before, limit); }, std::move(done));
}

void Engine::event_backlog(uint64_t after, size_t limit, QueryDone<EventBacklog> done) {
  queries_->run<EventBacklog>([after, limit](Store& s) { return read_event_backlog(s, after, limit); },
                              std::move(done));
}

size_t Engine::bus_reads_in_flight() const {
  return (topics_ ? topics_->reads_in_flight() : 0) + (subscriptions_ ? subscriptions_->reads_in_flight() : 0);
}

std::optional<Error> Engine::not_ready_reason() const {
  if (ready() && !commits_->storage_error()) return std::nullopt;
  return runtime_->not_accepting_error();
}

void Engine::stats(StatsReader::Done done) { stats_->read(std::move(done)); }

void Engine::write_meta(Batch batch, std::move_only_function<void(Result<void>)> done) {
  commits_->submit(std::move(batch), std::move(done));
}

Result<void> Engine::scan_meta_at_startup(std::string_view prefix, const ScanFn& fn) {
  return scan_prefix(*store_, Cf::kMeta, prefix, fn);
}

Result<void> Engine::write_meta_at_startup(const Batch& batch) {
  const Batch* batches[] = {&batch};
  return store_->write(batches);
}

}  // namespace sundial
