#include "engine/engine.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"

namespace sundial {

Result<std::unique_ptr<Engine>> Engine::open(Loop& loop, Clock& clock, const Registry& registry,
                                             EngineOptions options, WorkPool* pool) {
  RocksDbOptions storage = options.storage;
  storage.path = options.data_dir;
  auto t0 = std::chrono::steady_clock::now();
  SUNDIAL_ASSIGN_OR_RETURN(auto store, RocksDbStore::open(storage));
  spdlog::info("storage opened in {} ms",
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  return open_with_store(loop, clock, registry, std::move(options), std::move(store), pool);
}

Result<std::unique_ptr<Engine>> Engine::open_with_store(Loop& loop, Clock& clock,
                                                        const Registry& registry,
                                                        EngineOptions options,
                                                        std::unique_ptr<Store> store,
                                                        WorkPool* pool) {
  SUNDIAL_CHECK(loop.is_loop_thread());
  std::unique_ptr<Engine> engine(
      new Engine(loop, clock, registry, std::move(options), std::move(store), pool));
  SUNDIAL_TRY(engine->open_services());
  return engine;
}

Engine::Engine(Loop& loop, Clock& clock, const Registry& registry, EngineOptions options,
               std::unique_ptr<Store> store, WorkPool* pool)
    : loop_(loop),
      clock_(clock),
      registry_(registry),
      options_(std::move(options)),
      store_(std::move(store)),
      own_pool_(pool ? nullptr : std::make_unique<UvWorkPool>(loop)),
      pool_(pool ? pool : own_pool_.get()) {}

Result<void> Engine::open_services() {
  blocking_pool_ = std::make_unique<ThreadWorkPool>(loop_, options_.blocking_step_threads);
  commits_ = std::make_unique<CommitQueue>(*store_, loop_);
  events_ = std::make_unique<EventLog>(loop_, *store_, options_.event_log_capacity);
  SUNDIAL_TRY(events_->open());
  runtime_ = std::make_unique<Runtime>(
      Runtime::Deps{loop_, clock_, *store_, *commits_, *events_, registry_, *pool_,
                    *blocking_pool_}, options_.timers, options_.warm);
  idempotency_ = std::make_unique<IdempotencyKeys>(*store_);
  stats_ = std::make_unique<StatsReader>(loop_, *store_);
  sweep_ = std::make_unique<RetentionSweep>(loop_, clock_, *store_, *runtime_, *events_,
                                            *idempotency_, options_.retention);
  // Opening waits for recovery: nothing is served before it ends.
  std::optional<Result<void>> recovered;
  runtime_->recover([&recovered](Result<void> r) { recovered = std::move(r); });
  while (!recovered) pool_->make_progress();
  SUNDIAL_TRY(*recovered);
  sweep_->start();
  return ok();
}

Engine::~Engine() {
  stats_.reset();
  if (sweep_) sweep_->stop();
  if (runtime_) runtime_->close();
  // Answer everything submitted: each completion may submit follow-up
  // transitions (a step that completes at once), so drain until quiet.
  if (commits_) {
    while (commits_->in_flight() > 0) {
      commits_->flush();
      loop_.run_once();
    }
    commits_->shutdown();
  }
  // The runtime's coroutines and timers go before the services they use.
  sweep_.reset();
  runtime_.reset();
}

void Engine::start(StartRequest req, Reply<StartReply> reply) {
  start_instance(*runtime_, *idempotency_, options_.idempotency_window, std::move(req),
                 std::move(reply));
}

void Engine::signal(const std::string& id, const std::string& name, nlohmann::json payload,
                    Reply<CommandReply> reply, std::optional<std::string> idempotency_key) {
  signal_instance(*runtime_, *idempotency_, options_.idempotency_window, id, name,
                  std::move(payload), std::move(idempotency_key), std::move(reply));
}

void Engine::pause(const std::string& id, Reply<CommandReply> reply) {
  pause_instance(*runtime_, id, std::move(reply));
}

void Engine::resume(const std::string& id, ResumePolicy policy, Reply<CommandReply> reply) {
  resume_instance(*runtime_, id, policy, std::move(reply));
}

void Engine::cancel(const std::string& id, std::string reason, Reply<CommandReply> reply) {
  cancel_instance(*runtime_, id, std::move(reason), std::move(reply));
}

void Engine::retry(const std::string& id, Reply<CommandReply> reply) {
  retry_instance(*runtime_, id, std::move(reply));
}

Result<InstanceRecord> Engine::describe(const std::string& id) { return describe_instance(*store_, id); }
Result<ListPage> Engine::list(const ListQuery& query) { return list_instances(*store_, query); }
Result<std::vector<JournalEntry>> Engine::history(const std::string& id) {
  return instance_history(*store_, id);
}
Result<std::vector<keys::TimerKey>> Engine::timers(TimeMs due_before, size_t limit) {
  return pending_timers(*store_, due_before, limit);
}
std::optional<Error> Engine::not_ready_reason() const {
  if (ready() && !commits_->storage_error()) return std::nullopt;
  return runtime_->not_accepting_error();
}

void Engine::stats(StatsReader::Done done) { stats_->read(std::move(done)); }

}  // namespace sundial
