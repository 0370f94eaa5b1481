#include "engine/runtime/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/coding.h"
#include "engine/base/kill_point.h"
#include "engine/base/utf8.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/codec/slot_rows.h"
#include "engine/runtime/dry_replay.h"
#include "engine/runtime/failure_text.h"
#include "engine/runtime/live_ops.h"
#include "engine/runtime/step_window.h"
#include "engine/storage/keys.h"

namespace sundial {
namespace {

void clear_await(InstanceRecord& r) {
  r.await_kind = AwaitKind::kNone;
  r.step_name.clear();
  r.attempt = 0;
  r.wait_signals.clear();
}

// Names that an await puts into the journal and the record must encode;
// workflow code that builds them from bad bytes fails visibly instead.
Result<void> check_request_encodable(const AwaitRequest& req) {
  nlohmann::json names = {req.step_name, req.signals};
  if (auto storable = check_storable(names, "the awaited names"); !storable) {
    return make_error(ErrorCode::kInvalidArgument,
                      "workflow code awaited a name that is not valid UTF-8 (" + describe_request(req) + ")");
  }
  return ok();
}

// Calls step code: the only place where what a step throws is caught. The
// step may complete synchronously through `done` (on_step_done is noexcept,
// so nothing the engine throws can land here).
std::exception_ptr call_step(const AsyncStepFn& fn, const StepInfo& info, StepDone done) {
  try {
    fn(info, std::move(done));
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

}  // namespace

Runtime::Runtime(Deps deps, TimerWindowOptions timer_options, WarmOptions warm)
    : deps_(deps),
      warm_(warm),
      load_retry_timer_(deps.loop, [this] { retry_timers(); }),
      timers_(deps.loop, deps.clock, deps.store, deps.pool, timer_options,
              [this](const keys::TimerKey& key) { on_timer(key); }),
      recovery_retry_timer_(deps.loop, [this] { finish_recovery(); }),
      blocking_steps_(deps.blocking_pool),
      reads_(deps.pool) {
  load_retry_timer_.set_keeps_loop_alive(false);
  recovery_retry_timer_.set_keeps_loop_alive(false);
  // Recovery after a failed commit waits until the storage can write again.
  deps_.commits.on_storage_restored([this] {
    if (recovering_ && deps_.commits.in_flight() == 0) finish_recovery();
  });
}

void Runtime::close() {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  accepting_ = false;
  timers_.stop();
  load_retry_timer_.stop();
  recovery_retry_timer_.stop();
  load_retries_.clear();
  admit_retries_.clear();
  // Whoever waits for a load hears now; the reads' results are dropped.
  auto loads = std::move(loads_);
  loads_.clear();
  for (auto& [id, load] : loads) {
    for (auto& then : load.waiters) then(std::unexpected(not_accepting_error()));
  }
}

// ---- Instances in memory -----------------------------------------------------

LiveInstance* Runtime::find(std::string_view id) {
  auto it = live_.find(std::string(id));
  return it == live_.end() ? nullptr : it->second.get();
}

void Runtime::with_instance(const std::string& id, WithInstance then) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  if (auto it = loads_.find(id); it != loads_.end()) {
    it->second.waiters.push_back(std::move(then));
    return;
  }
  if (LiveInstance* inst = find(id)) return then(inst);
  if (being_deleted(id)) {
    return then(
        make_error(ErrorCode::kNotFound, "instance '" + id + "' does not exist (deleted by retention)"));
  }
  PendingLoad& load = loads_[id];
  load.generation = live_generation_;
  load.waiters.push_back(std::move(then));
  reads_.run([&store = deps_.store, id] { return read_stored_instance(store, id); },
             [this, id, generation = live_generation_](Result<StoredInstance> stored) {
               on_loaded(id, generation, std::move(stored));
             });
}

void Runtime::on_loaded(const std::string& id, uint64_t generation, Result<StoredInstance> stored) {
  auto it = loads_.find(id);
  // Closed meanwhile, or a newer read of the id took its place (that one
  // answers its own waiters).
  if (it == loads_.end() || it->second.generation != generation) return;
  std::vector<WithInstance> waiters = std::move(it->second.waiters);
  loads_.erase(it);
  if (!accepting_ || generation != live_generation_) {
    for (auto& then : waiters) then(std::unexpected(not_accepting_error()));
    return;
  }
  // Nothing else installs an instance while its load runs (starts of that
  // id wait behind the load), so memory has it only if a waiter creates it.
  SUNDIAL_DCHECK(find(id) == nullptr);
  Error error = stored ? Error{} : stored.error();
  LiveInstance* pinned = stored ? &install(std::move(*stored)) : nullptr;
  if (pinned) pinned->pins++;
  for (auto& then : waiters) {
    // Looked up for each: an earlier waiter (a start) may have created it.
    if (LiveInstance* inst = find(id)) {
      then(inst);
    } else {
      then(std::unexpected(error));
    }
  }
  if (pinned) {
    pinned->pins--;
    maybe_evict(id);
  }
}

std::unique_ptr<Context> Runtime::make_context(const InstanceRecord& r, std::vector<JournalEntry> journal) {
  auto ctx = std::make_unique<Context>(r.id, r.input, std::move(journal), r.run);
  ctx->set_task_runner([this](const StepInfo& step, const TaskSpec& spec, StepDone done) {
    if (participant_ == nullptr) {
      return done(make_error(ErrorCode::kStepFailed, "task queues are not available in this engine"));
    }
    participant_->run_task(step, spec, std::move(done));
  });
  ctx->set_command_runner([this](const StepInfo& step, const InstanceCommand& cmd, StepDone done) {
    if (!commands_) return done(make_error(ErrorCode::kStepFailed, "this engine runs no instance commands"));
    commands_(step, cmd, std::move(done));
  });
  return ctx;
}

LiveInstance& Runtime::install(StoredInstance stored) {
  auto inst = std::make_unique<LiveInstance>();
  inst->ctx = make_context(stored.record, std::move(stored.journal));
  inst->record = std::move(stored.record);
  inst->epoch = next_epoch_++;
  inst->persisted = true;
  inst->indexed_status = inst->record.status;
  inst->indexed_finished_at = inst->record.finished_at;
  inst->indexed_version = inst->record.version;
  inst->indexed_slot_key = slot_index_key_of(inst->record);
  LiveInstance* raw = inst.get();
  live_.emplace(raw->record.id, std::move(inst));
  replay(*raw);
  return *raw;
}

LiveInstance& Runtime::create(InstanceRecord record, std::vector<JournalEntry> journal) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  auto inst = std::make_unique<LiveInstance>();
  inst->ctx = make_context(record, std::move(journal));
  inst->record = std::move(record);
  inst->epoch = next_epoch_++;
  LiveInstance* raw = inst.get();
  live_.emplace(raw->record.id, std::move(inst));
  return *raw;
}

LiveInstance& Runtime::renew(LiveInstance& inst, InstanceRecord record, std::vector<JournalEntry> journal,
                             Transition& tx) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  SUNDIAL_CHECK(is_finished(inst.record.status) && record.id == inst.record.id &&
                record.run > inst.record.run);
  retire_run(inst, tx);
  inst.root = Workflow<void>();  // before its Context, which the coroutine uses
  inst.ctx = make_context(record, std::move(journal));
  inst.record = std::move(record);
  inst.epoch = next_epoch_++;  // what the old run still has in flight is stale
  inst.step_running = false;
  return inst;
}

void Runtime::rebuild(LiveInstance& inst) {
  inst.root = Workflow<void>();
  std::vector<JournalEntry> journal = inst.ctx->journal();
  inst.ctx = make_context(inst.record, std::move(journal));
  inst.epoch = next_epoch_++;
  inst.step_running = false;
}

void Runtime::release(LiveInstance& inst) { maybe_evict(inst.record.id); }

void Runtime::begin_deletion(const std::vector<std::string>& ids) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  for (const auto& id : ids) {
    SUNDIAL_DCHECK(find(id) == nullptr && !loading(id));
    deleting_.insert(id);
  }
}

void Runtime::end_deletion(const std::vector<std::string>& ids) {
  for (const auto& id : ids) deleting_.erase(id);
}

void Runtime::defer(std::move_only_function<void()> fn) { deps_.loop.defer(std::move(fn)); }

void Runtime::maybe_evict(const std::string& id) {
  LiveInstance* inst = find(id);
  if (inst == nullptr || inst->in_flight > 0 || inst->pins > 0 || inst->step_running) return;
  if (inst->record.status == InstanceStatus::kRunning || keep_warm(*inst)) return;
  live_.erase(id);
}

bool Runtime::keep_warm(const LiveInstance& inst) const {
  if (live_.size() > warm_.max_instances) return false;
  const InstanceRecord& r = inst.record;
  // The next waiter of a concurrency key, or its debouncing run: its
  // admission (and every start that folds into it) goes on without
  // reading it again.
  if (r.status == InstanceStatus::kQueued) {
    return r.concurrency &&
           (slot_state(r) == SlotState::kDebouncing || slots_.is_head(r.concurrency->key, r.id));
  }
  return r.status == InstanceStatus::kWaiting && inst.timer_row() && r.timer_due - now() <= warm_.horizon &&
         (inst.ctx == nullptr || inst.ctx->may_stay_warm());
}

// ---- Driving the workflow ----------------------------------------------------

void Runtime::replay(LiveInstance& inst) {
  InstanceStatus status = inst.record.status;
  if (status != InstanceStatus::kRunning && status != InstanceStatus::kWaiting) return;
  Context& ctx = *inst.ctx;
  ctx.set_await_registered(inst.record.await_kind != AwaitKind::kNone);
  if (!inst.root.valid()) {
    const WorkflowType* type = deps_.registry.find(inst.record.type, inst.record.version);
    if (type == nullptr) {
      ctx.set_failure(Error{ErrorCode::kNotFound,
                            inst.record.version.empty() || deps_.registry.find(inst.record.type) == nullptr
                                ? "workflow type '" + inst.record.type + "' is not registered in this build"
                                : "version " + inst.record.version + " of workflow type '" +
                                      inst.record.type + "' is not loaded"});
      return;
    }
    Workflow<void> root;
    try {
      root = type->fn(ctx);  // workflow code: builds the coroutine, may throw
    } catch (...) {
      ctx.set_failure(Error{ErrorCode::kInternal, "workflow '" + inst.record.type +
                                                      "' threw before it started: " +
                                                      describe_exception(std::current_exception())});
      return;
    }
    inst.root = std::move(root);
    // Resuming never throws: the promise keeps what the body throws
    // (workflow.h) and finish() fails the instance with it.
    inst.root.handle().resume();
  }
  resume_from_journal(ctx, inst.root);
}

void Runtime::advance(LiveInstance& inst, Transition& tx) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  for (;;) {
    InstanceStatus status = inst.record.status;
    if (status != InstanceStatus::kRunning && status != InstanceStatus::kWaiting) return;
    replay(inst);
    Context& ctx = *inst.ctx;
    // Patch markers the code recorded precede whatever it does next.
    for (JournalEntry& marker : ctx.take_markers()) append_entry(inst, tx, std::move(marker));
    if (ctx.failure()) return fail(inst, tx, *ctx.failure());
    if (inst.root.done()) return finish(inst, tx);
    SUNDIAL_CHECK(ctx.pending().has_value());
    if (auto encodable = check_request_encodable(*ctx.pending()); !encodable) {
      return fail(inst, tx, encodable.error());
    }
    if (!register_wait(inst, tx, *ctx.pending())) return;
  }
}

bool Runtime::register_wait(LiveInstance& inst, Transition& tx, const AwaitRequest& req) {
  InstanceRecord& r = inst.record;
  switch (req.kind) {
    case AwaitKind::kStep:
      if (r.await_kind == AwaitKind::kStep && r.step_name == req.step_name) {
        // Registered before (the instance was reloaded or resumed): run the
        // next attempt unless one runs or a timer (a retry's, or its send
        // window's opening) will start it.
        if (r.timer_due == 0 && !inst.step_running && !defer_step(inst, tx, req)) schedule_step(inst, tx);
        return false;
      }
      clear_timer(inst.record, tx);
      clear_await(r);
      r.await_kind = AwaitKind::kStep;
      r.step_name = req.step_name;
      set_status(inst.record, tx.now, InstanceStatus::kRunning);
      if (defer_step(inst, tx, req)) return false;
      if (req.sync_fn && tx.inline_step_budget > 0) {
        SyncStepFn fn = req.sync_fn;  // a copy: journaling the outcome may replace `req`
        return run_step_inline(inst, tx, fn);
      }
      schedule_step(inst, tx);
      return false;
    case AwaitKind::kSleep:
      if (r.await_kind == AwaitKind::kSleep) return false;
      clear_await(r);
      if (req.sleep_until <= tx.now) {
        JournalEntry fired;
        fired.kind = EntryKind::kTimerFired;
        fired.due = req.sleep_until;
        append_entry(inst, tx, fired);
        return true;
      }
      r.await_kind = AwaitKind::kSleep;
      set_timer(inst.record, tx, req.sleep_until);
      set_status(inst.record, tx.now, InstanceStatus::kWaiting);
      {
        JournalEntry scheduled;
        scheduled.kind = EntryKind::kTimerScheduled;
        scheduled.name = "sleep";
        scheduled.due = req.sleep_until;
        append_entry(inst, tx, scheduled);
      }
      return false;
    case AwaitKind::kSignal:
      if (r.await_kind == AwaitKind::kSignal) return false;
      clear_await(r);
      r.await_kind = AwaitKind::kSignal;
      r.wait_signals = req.signals;
      set_status(inst.record, tx.now, InstanceStatus::kWaiting);
      if (req.timeout || req.deadline) {
        TimeMs due =
            req.deadline ? std::max(*req.deadline, tx.now) : tx.now + std::max<DurationMs>(0, *req.timeout);
        set_timer(inst.record, tx, due);
        JournalEntry scheduled;
        scheduled.kind = EntryKind::kTimerScheduled;
        scheduled.name = "signal-timeout";
        scheduled.due = due;
        append_entry(inst, tx, scheduled);
      }
      return false;
    case AwaitKind::kNone:
      break;
  }
  SUNDIAL_CHECK(false && "await of no kind");
  return false;
}

void Runtime::finish(LiveInstance& inst, Transition& tx) {
  Context& ctx = *inst.ctx;
  if (std::exception_ptr e = inst.root.exception()) {
    return fail(inst, tx, Error{ErrorCode::kInternal, "workflow code threw: " + describe_exception(e)});
  }
  if (auto left = ctx.unconsumed_error()) return fail(inst, tx, *left);
  if (auto storable = check_storable(ctx.result(), "the workflow's result"); !storable) {
    return fail(inst, tx, storable.error());
  }
  if (ctx.continue_input()) return continue_as_new(inst, tx, *ctx.continue_input());
  clear_timer(inst.record, tx);
  clear_await(inst.record);
  set_status(inst.record, tx.now, InstanceStatus::kCompleted);
  inst.record.result = ctx.result();
  JournalEntry done;
  done.kind = EntryKind::kCompleted;
  done.data = ctx.result();
  append_entry(inst, tx, done);
  add_event(inst.record, tx, EventType::kCompleted);
  inst.root = Workflow<void>();
}

void Runtime::continue_as_new(LiveInstance& inst, Transition& tx, nlohmann::json input) {
  InstanceRecord& r = inst.record;
  const WorkflowType* type = deps_.registry.find(r.type);
  if (type == nullptr) {
    return fail(inst, tx,
                Error{ErrorCode::kNotFound,
                      "continue_as_new: workflow type '" + r.type + "' is no longer registered"});
  }
  auto prepared = type->prepare_input(std::move(input));
  if (!prepared) {
    return fail(inst, tx, Error{prepared.error().code, "continue_as_new: " + prepared.error().message});
  }
  if (auto storable = check_storable(*prepared, "continue_as_new's input"); !storable) {
    return fail(inst, tx, storable.error());
  }
  // This run ends...
  clear_timer(r, tx);
  clear_await(r);
  set_status(r, tx.now, InstanceStatus::kCompleted);
  JournalEntry ended;
  ended.kind = EntryKind::kContinuedAsNew;
  ended.data = *prepared;
  append_entry(inst, tx, ended);
  add_event(r, tx, EventType::kCompleted, {}, "continued as new");
  // ...and the next one starts, holding the same concurrency slot.
  InstanceRecord next;
  next.id = r.id;
  next.type = r.type;
  next.version = type->version;
  next.run = r.run + 1;
  next.input = *prepared;
  next.created_at = tx.now;
  next.status = InstanceStatus::kRunning;
  next.concurrency = r.concurrency;
  next.queue_seq = r.queue_seq;
  next.parent_id = r.parent_id;  // a child that continues is still its parent's
  next.parent_run = r.parent_run;
  next.detached = r.detached;
  next.send_window = r.send_window;
  // Found by the new input's keys (retire_run dropped the old run's rows);
  // a key the new input cannot index keeps the old run's, never none.
  if (auto attributes = extract_search_attributes(type->search_attributes, next.input)) {
    next.search_attributes = std::move(*attributes);
  } else {
    spdlog::warn("instance '{}': its next run keeps its search attributes: {}", r.id, attributes.error().message);
    next.search_attributes = r.search_attributes;
  }
  JournalEntry started;
  started.kind = EntryKind::kStarted;
  started.data = std::move(*prepared);
  JournalEntry stored = append_entry(next, tx, std::move(started));
  add_event(next, tx, EventType::kInstanceStarted);
  renew(inst, std::move(next), {std::move(stored)}, tx);
  // Its code runs in a transition of its own: a loop of runs that continue
  // at once is paced by commits, not spun inside one.
  tx.after_commit([this, id = inst.record.id, epoch = inst.epoch] { run_next(id, epoch); });
}

void Runtime::run_next(const std::string& id, uint64_t epoch) {
  LiveInstance* inst = find(id);
  // A command (a signal) may have run it meanwhile.
  if (inst == nullptr || inst->epoch != epoch || inst->record.status != InstanceStatus::kRunning ||
      inst->root.valid()) {
    return;
  }
  Transition tx(now());
  tx.inline_step_budget = kMaxInlineSteps;
  advance(*inst, tx);
  commit(*inst, std::move(tx));
}

void Runtime::fail(LiveInstance& inst, Transition& tx, const Error& error) {
  clear_timer(inst.record, tx);
  inst.record.last_error = repair_utf8(error.to_string());
  set_status(inst.record, tx.now, InstanceStatus::kFailed);
  JournalEntry failed;
  failed.kind = EntryKind::kFailed;
  failed.error = inst.record.last_error;
  append_entry(inst, tx, failed);
  add_event(inst.record, tx, EventType::kFailed, {}, inst.record.last_error);
  inst.root = Workflow<void>();
  spdlog::warn("instance '{}' ({}) failed: {}", inst.record.id, inst.record.type, inst.record.last_error);
}

// ---- Steps -------------------------------------------------------------------

void Runtime::schedule_step(LiveInstance& inst, Transition& tx) {
  inst.step_running = true;
  tx.after_commit([this, id = inst.record.id, epoch = inst.epoch] { run_step(id, epoch); });
}

bool Runtime::defer_step(LiveInstance& inst, Transition& tx, const AwaitRequest& req) {
  auto deferral = step_deferral(deps_.send_windows, inst.record, req, tx.now);
  if (!deferral) {
    fail(inst, tx, deferral.error());
    return true;
  }
  if (!*deferral) return false;
  InstanceRecord& r = inst.record;
  set_timer(r, tx, (*deferral)->opens_at);
  set_status(r, tx.now, InstanceStatus::kWaiting);
  JournalEntry entry;
  entry.kind = EntryKind::kStepDeferred;
  entry.name = r.step_name;
  entry.due = (*deferral)->opens_at;
  entry.data = std::move((*deferral)->data);
  append_entry(inst, tx, std::move(entry));
  add_event(r, tx, EventType::kStepDeferred, r.step_name, std::move((*deferral)->detail));
  return true;
}

void Runtime::run_step(const std::string& id, uint64_t epoch) {
  LiveInstance* inst = find(id);
  if (inst == nullptr || inst->epoch != epoch) return;
  InstanceRecord& r = inst->record;
  auto& pending = inst->ctx->pending();
  if (r.status != InstanceStatus::kRunning || r.await_kind != AwaitKind::kStep || !pending ||
      pending->kind != AwaitKind::kStep || pending->step_name != r.step_name) {
    inst->step_running = false;  // paused or cancelled before it could run
    maybe_evict(id);
    return;
  }
  StepInfo info = step_info(r);
  auto once = std::make_shared<bool>(false);
  StepDone done = [this, id, epoch, attempt = info.attempt, once](Result<nlohmann::json> result) noexcept {
    if (!deps_.loop.is_loop_thread()) {
      std::fprintf(stderr,
                   "StepDone of instance '%s' called off the loop thread; step completions must "
                   "be posted to the loop (docs/threading.md)\n",
                   id.c_str());
      std::abort();
    }
    if (*once) {
      spdlog::error("step of instance '{}' completed twice; the second result is ignored", id);
      return;
    }
    *once = true;
    on_step_done(id, epoch, attempt, std::move(result));
  };
  if (pending->blocking_fn) {
    blocking_steps_.run(
        [fn = pending->blocking_fn, info]() -> Result<nlohmann::json> {
          try {
            return fn(info);
          } catch (...) {
            return make_error(ErrorCode::kInternal,
                              "step threw " + describe_exception(std::current_exception()));
          }
        },
        [done = std::move(done)](Result<nlohmann::json> result) mutable { done(std::move(result)); });
    return;
  }
  AsyncStepFn fn = pending->step_fn;  // a copy: the step may complete and replace `pending`
  std::exception_ptr threw = call_step(fn, info, std::move(done));
  if (!threw) return;
  std::string what = describe_exception(threw);
  if (*once) {
    // It completed through `done` and then threw: the journaled result stands.
    spdlog::error("step '{}' of instance '{}' threw after it completed (its result stands): {}",
                  info.step_name, id, what);
    return;
  }
  *once = true;
  on_step_done(id, epoch, info.attempt, make_error(ErrorCode::kInternal, "step threw " + what));
}

void Runtime::on_step_done(const std::string& id, uint64_t epoch, uint32_t attempt,
                           Result<nlohmann::json> result) noexcept {
  SUNDIAL_KILL_POINT(kill_points::kStepBeforeJournal);
  LiveInstance* inst = find(id);
  if (inst == nullptr || inst->epoch != epoch) return;  // the instance was reset meanwhile
  inst->step_running = false;
  InstanceRecord& r = inst->record;
  if (is_finished(r.status) || r.await_kind != AwaitKind::kStep) {
    maybe_evict(id);
    return;
  }
  Transition tx(now());
  tx.inline_step_budget = kMaxInlineSteps;
  if (journal_step_outcome(*inst, tx, attempt, std::move(result))) advance(*inst, tx);
  commit(*inst, std::move(tx));
}

bool Runtime::run_step_inline(LiveInstance& inst, Transition& tx, const SyncStepFn& fn) {
  tx.inline_step_budget--;
  const InstanceRecord& r = inst.record;
  StepInfo info = step_info(r);
  Result<nlohmann::json> result = make_error(ErrorCode::kInternal, "step did not run");
  try {
    result = fn(info);  // step code: may throw
  } catch (...) {
    result = make_error(ErrorCode::kInternal, "step threw " + describe_exception(std::current_exception()));
  }
  SUNDIAL_KILL_POINT(kill_points::kStepBeforeJournal);
  return journal_step_outcome(inst, tx, info.attempt, std::move(result));
}

bool Runtime::journal_step_outcome(LiveInstance& inst, Transition& tx, uint32_t attempt,
                                   Result<nlohmann::json> result) {
  InstanceRecord& r = inst.record;
  std::string step = r.step_name;
  if (result) {
    // Check before anything changes: a result the journal cannot hold
    // (bad UTF-8, nested too deep) fails this attempt like any step error,
    // instead of append_entry storing a repaired (or null) copy.
    if (auto storable = check_storable(*result, "the result"); !storable) {
      result = make_error(
          ErrorCode::kInternal,
          "step '" + step + "' returned a value that cannot be journaled: " + storable.error().message);
    }
  }
  if (result) {
    JournalEntry entry;
    entry.kind = EntryKind::kStepCompleted;
    entry.name = step;
    entry.attempt = attempt;
    entry.data = std::move(*result);
    append_entry(inst, tx, std::move(entry));
    clear_await(r);
    add_event(inst.record, tx, EventType::kStepCompleted, step);
    return true;
  }
  const Error& error = result.error();
  RetryPolicy policy = inst.ctx->pending() ? inst.ctx->pending()->policy : RetryPolicy{};
  r.attempt = attempt;
  JournalEntry entry;
  entry.name = step;
  entry.attempt = attempt;
  entry.error = repair_utf8(error.to_string());
  if (should_retry(policy, attempt, error)) {
    entry.kind = EntryKind::kStepAttemptFailed;
    entry.due =
        tx.now + std::max<DurationMs>(backoff_delay(policy, attempt, jitter01()), error.retry_after_ms);
    set_timer(inst.record, tx, entry.due);
    append_entry(inst, tx, entry);
    add_event(inst.record, tx, EventType::kStepFailed, step,
              "attempt " + std::to_string(attempt) + " failed, will retry: " + entry.error);
  } else {
    entry.kind = EntryKind::kStepFailed;
    append_entry(inst, tx, entry);
    add_event(inst.record, tx, EventType::kStepFailed, step,
              "attempt " + std::to_string(attempt) + " failed for good: " + entry.error);
    fail(inst, tx,
         Error{ErrorCode::kStepFailed, "step '" + step + "' failed after " + std::to_string(attempt) +
                                           " attempt(s): " + entry.error});
  }
  return false;
}

// ---- Timers ------------------------------------------------------------------

void Runtime::on_timer(const keys::TimerKey& key) {
  if (!accepting_) return;
  if (participant_ != nullptr && participant_->owns_timer(key.instance_id))
    return participant_->on_timer(key);
  with_instance(key.instance_id,
                [this, key](Result<LiveInstance*> loaded) { fire_timer(key, std::move(loaded)); });
}

void Runtime::fire_timer(const keys::TimerKey& key, Result<LiveInstance*> loaded) {
  // Not accepting: recovery resets the window and finds the row again.
  if (!accepting_) return;
  if (!loaded) {
    if (loaded.error().code == ErrorCode::kNotFound) {
      // A row left by an instance that the retention sweep removed: drop it.
      Transition tx(now());
      tx.batch.del(Cf::kTimers, keys::timer_key(key.due, key.instance_id));
      commit_detached(std::move(tx));
    } else {
      spdlog::error("timer for instance '{}' cannot load it: {}; trying again in {} ms", key.instance_id,
                    loaded.error().to_string(), kLoadRetryMs);
      retry_timer_later(key);
    }
    return;
  }
  LiveInstance& inst = **loaded;
  InstanceRecord& r = inst.record;
  if (r.timer_due != key.due || !inst.timer_row()) {
    maybe_evict(r.id);  // stale: the timer moved or the instance no longer waits
    return;
  }
  Transition tx(now());
  tx.inline_step_budget = kMaxInlineSteps;
  clear_timer(inst.record, tx);
  if (r.status == InstanceStatus::kQueued) {
    end_debounce(inst, tx);
  } else if (r.await_kind == AwaitKind::kStep) {
    // The retry of a failed attempt, or the step's send window opening.
    set_status(r, tx.now, InstanceStatus::kRunning);
    const auto& pending = inst.ctx->pending();
    if (!pending || pending->kind != AwaitKind::kStep || inst.ctx->failure()) {
      advance(inst, tx);  // a reload whose replay failed: advance fails the instance, visibly
    } else if (!defer_step(inst, tx, *pending)) {
      schedule_step(inst, tx);
    }
  } else {
    JournalEntry fired;
    fired.kind = EntryKind::kTimerFired;
    fired.due = key.due;
    append_entry(inst, tx, fired);
    clear_await(r);
    add_event(inst.record, tx, EventType::kTimerFired);
    set_status(inst.record, tx.now, InstanceStatus::kRunning);
    advance(inst, tx);
  }
  commit(inst, std::move(tx));
}

void Runtime::retry_timer_later(const keys::TimerKey& key) {
  if (load_retries_.empty() && admit_retries_.empty()) {
    load_retry_timer_.start(static_cast<uint64_t>(kLoadRetryMs));
  }
  load_retries_.push_back(key);
}

void Runtime::retry_timers() {
  std::vector<keys::TimerKey> keys;
  keys.swap(load_retries_);
  std::vector<std::pair<std::string, std::string>> admissions;
  admissions.swap(admit_retries_);
  for (const auto& key : keys) on_timer(key);
  for (const auto& [key, id] : admissions) admit(key, id);
}

// ---- Commit ------------------------------------------------------------------

void Runtime::commit(LiveInstance& inst, Transition&& tx) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  sync_slot(inst.record);
  const InstanceRecord& r = inst.record;
  for (Notice& notice : owed_notices(r, inst.persisted, inst.indexed_status)) {
    // In the batch that ends it: a kill -9 before the delivery only delays it.
    std::string key = keys::notice_key(r.id, r.run, r.next_seq, static_cast<char>(notice.kind));
    tx.batch.put(Cf::kIndex, key, encode_notice(notice));
    tx.after_commit([this, key, notice = std::move(notice)]() mutable { deliver(key, std::move(notice)); });
  }
  write_instance(inst, tx);
  inst.in_flight++;
  submit(std::move(tx), [this, id = inst.record.id](const Result<void>&) {
    // Durable now, or failed (a failed write may still come back when the
    // storage is reopened): a snapshot taken before may hold the old record.
    changes_.note(id);
    // An instance with transitions in flight is never evicted, and recovery
    // waits for every completion, so `id` is still this instance.
    LiveInstance* live = find(id);
    if (live == nullptr) return;
    live->in_flight--;
    maybe_evict(id);
  });
}

void Runtime::deliver(std::string key, Notice notice) {
  if (!commands_) return;
  if (notice.kind == Notice::Kind::kCancelChildren) return cancel_children(std::move(key), std::move(notice));
  StepInfo sender{notice.to, "notice", 1, notice.idempotency_key, 1};
  SignalOut signal{notice.to, notice.signal, std::move(notice.payload)};
  commands_(sender, signal, [this, key = std::move(key), to = notice.to](Result<nlohmann::json> r) mutable {
    notice_done(std::move(key), to, r);
  });
}

void Runtime::cancel_children(std::string key, Notice notice) {
  std::string parent = notice.to;
  // The run that was cancelled (rows of earlier versions name none: every
  // child then).
  std::optional<uint32_t> run;
  if (notice.payload.is_object() && notice.payload.contains("run") &&
      notice.payload["run"].is_number_unsigned())
    run = notice.payload["run"].get<uint32_t>();
  reads_.run(
      [&store = deps_.store, parent, run]() -> Result<std::vector<std::string>> {
        std::vector<std::string> listed, children;
        SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::child_prefix(parent),
                                [&](std::string_view child_key, std::string_view) {
                                  listed.emplace_back(keys::child_of_key(child_key, parent));
                                  return true;
                                }));
        // Only the children of the cancelled run that have not ended: an
        // earlier run's children are not this run's to cancel, and an
        // ended child needs no command.
        for (std::string& id : listed) {
          SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kInstances, id));
          if (!bytes) continue;
          auto child = decode_record(*bytes);
          if (child && (is_finished(child->status) || child->parent_id != parent ||
                        (run && child->parent_run != *run))) {
            continue;
          }
          children.push_back(std::move(id));  // unreadable: the cancel command decides
        }
        return children;
      },
      [this, key = std::move(key),
       notice = std::move(notice)](Result<std::vector<std::string>> children) mutable {
        if (!children) return notice_done(std::move(key), notice.to, std::unexpected(children.error()));
        std::string reason = "parent '" + notice.to + "' was cancelled";
        if (!notice.signal.empty()) reason += ": " + notice.signal;
        auto cascade = std::make_shared<Cascade>(
            Cascade{std::move(key), std::move(notice), std::move(reason), std::move(*children), 0, 0, {}});
        cancel_next_children(cascade);
      });
}

void Runtime::cancel_next_children(const std::shared_ptr<Cascade>& c) {
  // In rounds of kCascadeRound children, the next once the last has
  // answered: a parent with 10,000 children does not load them all at once.
  // The row goes once every child has answered (a finished child's
  // conflict is an answer); any retryable failure keeps it.
  if (c->next == c->children.size()) {
    return notice_done(std::move(c->key), c->notice.to,
                       c->retry ? Result<nlohmann::json>(std::unexpected(*c->retry))
                                : Result<nlohmann::json>(nlohmann::json()));
  }
  size_t end = std::min(c->children.size(), c->next + kCascadeRound);
  c->left = end - c->next;
  for (; c->next < end; ++c->next) {
    StepInfo sender{c->notice.to, "cancel-children", 1, c->notice.idempotency_key, 1};
    commands_(sender, CancelOut{c->children[c->next], c->reason}, [this, c](Result<nlohmann::json> r) {
      if (!r && is_retryable(r.error())) c->retry = r.error();
      if (--c->left == 0) cancel_next_children(c);
    });
  }
}

void Runtime::notice_done(std::string key, const std::string& about, const Result<nlohmann::json>& r) {
  if (!r && is_retryable(r.error())) {
    // Kept: recovery (a restart, or after a failed commit) sends it again.
    spdlog::warn("a notice about instance '{}' was not delivered: {}", about, r.error().to_string());
    return;
  }
  // Delivered, or the receiver cannot take it (gone, or finished): done.
  Transition tx(now());
  tx.batch.del(Cf::kIndex, key);
  commit_detached(std::move(tx));
}

void Runtime::commit_detached(Transition&& tx) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  submit(std::move(tx), nullptr);
}

void Runtime::submit(Transition&& tx, std::move_only_function<void(const Result<void>&)> last) {
  deps_.events.stage(tx.events, tx.batch);
  deps_.commits.submit(std::move(tx.batch), [this, timers = std::move(tx.timers_to_arm),
                                             events = std::move(tx.events), on_done = std::move(tx.on_done),
                                             last = std::move(last)](Result<void> result) mutable {
    if (result) {
      for (auto& t : timers) timers_.add(t.due, std::move(t.instance_id));
      deps_.events.publish(events);
    }
    for (auto& fn : on_done) fn(result);
    if (last) last(result);
    if (!result) on_commit_failed(result.error());
    if (recovering_ && deps_.commits.in_flight() == 0) finish_recovery();
  });
}

// ---- Concurrency keys --------------------------------------------------------

void Runtime::sync_slot(const InstanceRecord& r) {
  if (!r.concurrency) return;
  const std::string& key = r.concurrency->key;
  SlotState want = slot_state(r);
  SlotState have = slots_.state(key, r.id);
  if (want == have) return;
  if (want == SlotState::kNone) {
    // Finished, or cancelled while it waited: the next waiters take the slot.
    for (std::string& next : slots_.forget(key, r.id)) {
      deps_.loop.defer([this, key, next = std::move(next)] { admit(key, next); });
    }
  } else if (have == SlotState::kNone || have == SlotState::kDebouncing) {
    // New under the key, or a debounced run whose quiet period ended.
    if (have == SlotState::kDebouncing) slots_.forget(key, r.id);
    if (want == SlotState::kHolding) {
      slots_.hold(key, r.id, r.concurrency->limit);
    } else if (want == SlotState::kQueued) {
      slots_.enqueue(key, r.id, r.queue_seq, r.concurrency->limit);
    } else {
      slots_.debounce(key, r.id);
    }
  }
  // Holding while the record still says queued: its admission is on the way.
}

void Runtime::admit(const std::string& key, const std::string& id) {
  if (!accepting_) return;  // recovery restores the slots and admits again
  with_instance(id, [this, key, id](Result<LiveInstance*> loaded) {
    if (!loaded) {
      if (!accepting_) return;
      if (loaded.error().code == ErrorCode::kNotFound) {
        // Gone (no path deletes a waiter today): its slot passes on.
        for (std::string& next : slots_.forget(key, id)) admit(key, next);
        return;
      }
      spdlog::warn("instance '{}': could not be read to start it in its concurrency slot ({}); retrying", id,
                   loaded.error().to_string());
      if (load_retries_.empty() && admit_retries_.empty()) {
        load_retry_timer_.start(static_cast<uint64_t>(kLoadRetryMs));
      }
      admit_retries_.emplace_back(key, id);
      return;
    }
    LiveInstance& inst = **loaded;
    InstanceRecord& r = inst.record;
    if (r.status != InstanceStatus::kQueued || !r.concurrency ||
        slots_.state(r.concurrency->key, id) != SlotState::kHolding) {
      return release(inst);
    }
    Transition tx(now());
    run_admitted(inst, tx);
    commit(inst, std::move(tx));
  });
}

void Runtime::run_admitted(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  set_status(r, tx.now, InstanceStatus::kRunning);
  JournalEntry admitted;
  admitted.kind = EntryKind::kAdmitted;
  admitted.name = r.concurrency->key;
  append_entry(inst, tx, admitted);
  add_event(r, tx, EventType::kAdmitted, r.concurrency->key);
  rebuild(inst);  // a retried instance may still hold the coroutine that failed
  advance(inst, tx);
}

void Runtime::end_debounce(LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  const ConcurrencySpec& spec = *r.concurrency;
  // It arrives now, as a start would: runs when the key has room and
  // nobody waits, else waits at the tail (commit() moves it in KeySlots).
  if (slots_.can_run_now(spec.key, spec.limit)) return run_admitted(inst, tx);
  JournalEntry queued = wait_for_slot(r, tx, QueuePlace{slots_.next_seq(), slots_.waiters(spec.key) + 1});
  if (inst.ctx) inst.ctx->append(queued);
}

// ---- Recovery ----------------------------------------------------------------

namespace {

struct StoredState {
  std::vector<StoredInstance> running;
  std::vector<SlotEntry> slots;
  std::vector<std::pair<std::string, Notice>> notices;  // (row key, notice) not yet delivered
};

Result<std::vector<std::pair<std::string, Notice>>> read_notices(Store& store) {
  std::vector<std::pair<std::string, Notice>> out;
  SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::notice_prefix(),
                          [&](std::string_view key, std::string_view value) {
                            auto notice = decode_notice(value);
                            if (!notice) {
                              // One damaged row must not keep the engine from starting: it is
                              // left where it is, for an operator to look at.
                              spdlog::error("outbox row {} cannot be read ({}); it is not sent", to_hex(key),
                                            notice.error().to_string());
                              return true;
                            }
                            out.emplace_back(std::string(key), std::move(*notice));
                            return true;
                          }));
  return out;
}

// Every instance the status index lists as running, read in full, and
// every instance's place under its concurrency key.
Result<StoredState> read_running(Store& store) {
  StoredState state;
  SUNDIAL_ASSIGN_OR_RETURN(state.slots, read_slot_rows(store, keys::SlotSpace::kInstances));
  SUNDIAL_ASSIGN_OR_RETURN(state.notices, read_notices(store));
  std::vector<std::string> running;
  SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::status_index_prefix(InstanceStatus::kRunning),
                          [&](std::string_view key, std::string_view) {
                            running.emplace_back(keys::index_key_id(key, 2));
                            return true;
                          }));
  state.running.reserve(running.size());
  for (const std::string& id : running) {
    SUNDIAL_ASSIGN_OR_RETURN(StoredInstance stored, read_stored_instance(store, id));
    state.running.push_back(std::move(stored));
  }
  return state;
}

}  // namespace

void Runtime::recover(Recovered done) {
  SUNDIAL_CHECK_LOOP_THREAD(deps_.loop);
  // The participant first: a recovered instance's step may be a task it runs.
  auto instances = [this, done = std::move(done)](Result<void> participant) mutable {
    if (!participant) {
      recover_in_flight_ = false;
      return done(std::unexpected(participant.error()));
    }
    reads_.run([&store = deps_.store] { return read_running(store); },
               [this, done = std::move(done)](Result<StoredState> stored_state) mutable {
                 recover_in_flight_ = false;
                 if (!stored_state) return done(std::unexpected(stored_state.error()));
                 recovering_ = false;
                 // Slots first: a recovered instance that finishes frees its slot.
                 std::unordered_map<std::string, std::string> key_of;
                 for (const SlotEntry& e : stored_state->slots) key_of.emplace(e.id, e.key);
                 std::vector<std::string> admitted = slots_.restore(stored_state->slots);
                 std::vector<StoredInstance>* running = &stored_state->running;
                 for (StoredInstance& stored : *running) {
                   if (find(stored.record.id) != nullptr) continue;
                   LiveInstance& inst = install(std::move(stored));
                   Transition tx(now());
                   advance(inst, tx);
                   commit(inst, std::move(tx));
                 }
                 accepting_ = true;
                 timers_.release();
                 for (const std::string& id : admitted) admit(key_of.at(id), id);
                 for (auto& [key, notice] : stored_state->notices) deliver(key, std::move(notice));
                 if (!running->empty()) spdlog::info("recovered {} running instance(s)", running->size());
                 done(ok());
               });
  };
  recover_in_flight_ = true;
  if (participant_ == nullptr) return instances(ok());
  participant_->recover(std::move(instances));
}

void Runtime::on_commit_failed(const Error& error) {
  if (recovering_) return;
  spdlog::error("storage commit failed: {}; rejecting commands and recovering from storage",
                error.to_string());
  recovering_ = true;
  accepting_ = false;
  // finish_recovery() runs once the last failed write's completion is in.
}

Error Runtime::not_accepting_error() const {
  if (auto storage = deps_.commits.storage_error()) {
    return Error{ErrorCode::kStorageUnavailable,
                 "storage cannot write (" + *storage + "); it is being reopened, retry shortly"};
  }
  return Error{ErrorCode::kUnavailable, "the engine is recovering or closing; retry shortly"};
}

void Runtime::finish_recovery() {
  if (recover_in_flight_ || deps_.commits.storage_error()) return;  // on_storage_restored calls again
  live_.clear();
  live_generation_++;
  changes_.cancel();  // what the failed writes left is unknown: the sweep's round deletes no instance
  timers_.reset();
  slots_.clear();
  admit_retries_.clear();
  if (participant_ != nullptr) participant_->reset();
  deps_.commits.clear_failure();
  recover([this](Result<void> r) {
    if (r) return;
    spdlog::error("recovery after a failed commit failed: {}; retrying in {} ms", r.error().to_string(),
                  kLoadRetryMs);
    recovery_retry_timer_.start(static_cast<uint64_t>(kLoadRetryMs));
  });
}

}  // namespace sundial
