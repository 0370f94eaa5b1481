#include "engine/retention/retention_sweep.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "engine/base/check.h"
#include "engine/base/coding.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_codec.h"
#include "engine/tasks/task_keys.h"

namespace sundial {

RetentionSweep::RetentionSweep(WorkPool& pool, Clock& clock, Store& store, Runtime& runtime,
                               TaskService& tasks, EventLog& events, AuditLog& audit,
                               IdempotencyKeys& idempotency, RetentionOptions options)
    : loop_(pool.loop()),
      clock_(clock),
      store_(store),
      runtime_(runtime),
      tasks_(tasks),
      events_(events),
      audit_(audit),
      idempotency_(idempotency),
      options_(options),
      timer_(pool.loop(), [this] { run_now(); }),
      scope_(pool) {
  timer_.set_keeps_loop_alive(false);
}

RetentionSweep::~RetentionSweep() { stop(); }

void RetentionSweep::start() {
  stopped_ = false;
  timer_.start(static_cast<uint64_t>(options_.interval));
}

void RetentionSweep::stop() {
  stopped_ = true;
  timer_.stop();
  while (busy_) scope_.pool().make_progress();
}

namespace {

// The records a finished index (keys: `prefix`, u64 finished ms, id) lists
// as finished before `end`, at most `limit`: `decode` turns a record's
// bytes into one to delete, or nullopt when it changed since its index key
// was read (e.g. retried: its finished_at differs). Index keys whose record
// is gone go to `dangling`.
template <typename Record, typename Decode>
Result<void> collect_finished(Store& store, Cf records, const std::string& prefix, const std::string& end,
                              size_t limit, Decode decode, std::vector<Record>& out,
                              std::vector<std::string>& dangling) {
  std::vector<std::pair<std::string, TimeMs>> finished;  // index key, finished_at
  SUNDIAL_TRY(store.scan(Cf::kIndex, prefix, end, [&](std::string_view key, std::string_view) {
    auto t = keys::index_key_time(key, prefix.size());
    finished.emplace_back(std::string(key), t.value_or(0));
    return finished.size() < limit;
  }));
  for (const auto& [index_key, finished_at] : finished) {
    std::string id(keys::index_key_id(index_key, prefix.size()));
    SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(records, id));
    if (!bytes) {
      dangling.push_back(index_key);
      continue;
    }
    if (std::optional<Record> r = decode(*bytes, finished_at)) out.push_back(std::move(*r));
  }
  return ok();
}

}  // namespace

SweepPlan RetentionSweep::plan(Store& store, TimeMs now, DurationMs retention, size_t limit,
                               DurationMs audit_retention) {
  SweepPlan plan;
  auto audit_below = audit_trim_point(store, now - audit_retention);
  if (!audit_below) {
    plan.status = std::unexpected(audit_below.error());
    return plan;
  }
  plan.audit_expired_below = *audit_below;
  plan.status = collect_finished<InstanceRecord>(
      store, Cf::kInstances, keys::finished_index_prefix(), keys::finished_index_key(now - retention, ""),
      limit,
      [](std::string_view bytes, TimeMs finished_at) -> std::optional<InstanceRecord> {
        auto r = decode_record(bytes);
        if (!r || !is_finished(r->status) || r->finished_at != finished_at) return std::nullopt;
        return std::move(*r);
      },
      plan.finished, plan.dangling_finished);
  if (!plan.status) return plan;
  plan.status = collect_finished<TaskRecord>(
      store, Cf::kTasks, task_keys::finished_prefix(), task_keys::finished_key(now - retention, ""), limit,
      [](std::string_view bytes, TimeMs finished_at) -> std::optional<TaskRecord> {
        auto t = decode_task(bytes);
        if (!t || !is_task_finished(t->status) || t->finished_at != finished_at) return std::nullopt;
        return std::move(*t);
      },
      plan.finished_tasks, plan.dangling_task_finished);
  if (!plan.status) return plan;
  std::string expiry_prefix = keys::idempotency_expiry_prefix();
  std::vector<std::pair<std::string, TimeMs>> expired;
  plan.status = store.scan(Cf::kIndex, expiry_prefix, keys::idempotency_expiry_key(now + 1, ""),
                           [&](std::string_view key, std::string_view) {
                             auto t = keys::index_key_time(key, expiry_prefix.size());
                             expired.emplace_back(std::string(key), t.value_or(0));
                             return expired.size() < limit;
                           });
  if (!plan.status) return plan;
  for (const auto& [index_key, expires] : expired) {
    std::string key(keys::index_key_id(index_key, expiry_prefix.size()));
    plan.expired_key_index.push_back(index_key);
    auto bytes = store.get(Cf::kIdempotency, key);
    if (!bytes || !*bytes) continue;
    auto j = nlohmann::json::parse(**bytes, nullptr, false);
    // A key reused after it expired carries a later expiry: keep it.
    if (j.is_object() && j["expires"].is_number_integer() && j["expires"].get<TimeMs>() == expires) {
      plan.expired_keys.push_back(key);
    }
  }
  return plan;
}

void RetentionSweep::run_now(std::move_only_function<void(SweepResult)> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (busy_ || stopped_) return;
  busy_ = true;
  // Before the snapshot is taken: apply() skips what changes after.
  runtime_.watch_changes();
  idempotency_.watch_changes();
  tasks_.watch_changes();
  TimeMs now = clock_.now_ms();
  scope_.run(
      [store = &store_, now, retention = options_.retention, limit = options_.batch_limit,
       audit_retention = audit_.options().retention] {
        auto view = store->snapshot();
        if (!view) {
          SweepPlan failed;
          failed.status = std::unexpected(view.error());
          return failed;
        }
        return plan(**view, now, retention, limit, audit_retention);
      },
      [this, done = std::move(done)](SweepPlan made) mutable { planned(std::move(made), std::move(done)); });
}

void RetentionSweep::planned(SweepPlan made, std::move_only_function<void(SweepResult)> done) {
  busy_ = false;
  if (!made.status) {
    spdlog::error("retention sweep cannot read the index: {}", made.status.error().to_string());
    end_watches();
  } else if (!stopped_) {
    apply(made, std::move(done));
  } else {
    end_watches();
  }
  if (!stopped_) timer_.start(static_cast<uint64_t>(options_.interval));
}

void RetentionSweep::end_watches() {
  runtime_.end_watch();
  idempotency_.end_watch();
  tasks_.forget_finished({}, nullptr);
}

void RetentionSweep::apply(const SweepPlan& plan, std::move_only_function<void(SweepResult)> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  Transition tx(clock_.now_ms());
  SweepResult result;
  for (const std::string& key : plan.dangling_finished) tx.batch.del(Cf::kIndex, key);
  for (const std::string& key : plan.dangling_task_finished) tx.batch.del(Cf::kIndex, key);
  std::vector<std::string> deleted;
  // The plan was made on a snapshot taken after the watches began: what
  // changed since (a commit durable after it, a key recorded again) is
  // named by them, with no read here. No watch (it was not started, or a
  // reset ended it): nothing of that kind is deleted.
  std::optional<ChangeWatch::Changed> changed_instances = runtime_.end_watch();
  std::optional<ChangeWatch::Changed> changed_keys = idempotency_.end_watch();
  for (const InstanceRecord& r : plan.finished) {
    // An instance in memory is in use (e.g. being retried), and one whose
    // record changed since the snapshot (retried and finished again) has
    // other index keys; the next sweep decides about both.
    if (!changed_instances || changed_instances->contains(r.id) || runtime_.find(r.id) != nullptr ||
        runtime_.loading(r.id) || runtime_.being_deleted(r.id)) {
      continue;
    }
    deleted.push_back(r.id);
    tx.batch.del(Cf::kInstances, r.id);
    // Every run of the id: the journals, and the records of earlier runs.
    tx.batch.delete_range(Cf::kJournal, keys::journal_all_runs_begin(r.id), keys::journal_all_runs_end(r.id));
    // (one by one: the index family takes no range deletes, insert_hints.h)
    uint32_t oldest_kept = r.run > kPastRunsKept ? r.run - kPastRunsKept : 1;
    for (uint32_t run = oldest_kept; run < r.run; ++run)
      tx.batch.del(Cf::kIndex, keys::past_run_key(r.id, run));
    tx.batch.del(Cf::kIndex, keys::status_index_key(r.status, r.created_at, r.id));
    tx.batch.del(Cf::kIndex, keys::type_index_key(r.type, r.created_at, r.id));
    tx.batch.del(Cf::kIndex, keys::type_status_index_key(r.type, r.status, r.created_at, r.id));
    tx.batch.del(Cf::kIndex, keys::finished_index_key(r.finished_at, r.id));
    if (holds_version(r)) tx.batch.del(Cf::kIndex, keys::version_index_key(r.type, r.version, r.id));
    if (is_attached_child(r)) tx.batch.del(Cf::kIndex, keys::child_key(r.parent_id, r.id));
    for (const SearchAttribute& a : r.search_attributes) {
      tx.batch.del(Cf::kIndex, keys::attr_index_key(a.name, a.value, r.id));
    }
    result.instances_deleted++;
  }
  for (const std::string& key : plan.expired_key_index) tx.batch.del(Cf::kIndex, key);
  for (const std::string& key : plan.expired_keys) {
    // A start may have recorded the key again since the snapshot (committed,
    // or still in flight). Deleting it would let a repeat start a second
    // instance.
    if (!changed_keys || changed_keys->contains(key)) continue;
    tx.batch.del(Cf::kIdempotency, key);
    result.keys_deleted++;
  }
  events_.trim(tx.batch);
  audit_.trim(tx.batch, plan.audit_expired_below);
  bool more = plan.finished.size() + plan.dangling_finished.size() >= options_.batch_limit ||
              plan.expired_key_index.size() >= options_.batch_limit;
  // A full batch of tasks asks for another round only if this one deleted
  // some: while the TaskService recovers it deletes none, and an immediate
  // round would plan the same batch again and again.
  bool more_tasks = plan.finished_tasks.size() + plan.dangling_task_finished.size() >= options_.batch_limit;
  // Two commits (the instances' here, the tasks' through the TaskService):
  // the sweep is done when both are.
  struct Join {
    SweepResult result;
    bool ok = true;
    int left = 2;
    std::move_only_function<void(SweepResult)> done;
  };
  auto join = std::make_shared<Join>(Join{result, true, 2, std::move(done)});
  auto part_done = [this, join, more, more_tasks] {
    if (--join->left > 0) return;
    const SweepResult& r = join->result;
    if (r.instances_deleted > 0 || r.keys_deleted > 0 || r.tasks_deleted > 0) {
      spdlog::info("retention sweep deleted {} instance(s), {} task(s) and {} idempotency key(s)",
                   r.instances_deleted, r.tasks_deleted, r.keys_deleted);
    }
    if (join->done) join->done(r);
    if (join->ok && (more || (more_tasks && r.tasks_deleted > 0)) && !stopped_) run_now();
  };
  runtime_.begin_deletion(deleted);
  tx.on_done.push_back([this, join, part_done, deleted = std::move(deleted)](const Result<void>& r) mutable {
    runtime_.end_deletion(deleted);
    if (!r) {
      spdlog::error("retention sweep commit failed: {}", r.error().to_string());
      join->ok = false;
      join->result.instances_deleted = 0;
      join->result.keys_deleted = 0;
    }
    part_done();
  });
  tasks_.forget_finished(plan.finished_tasks, [join, part_done](size_t n) mutable {
    join->result.tasks_deleted = n;
    part_done();
  });
  if (tx.batch.empty()) {
    for (auto& fn : tx.on_done) fn(ok());
    return;
  }
  runtime_.commit_detached(std::move(tx));
}

}  // namespace sundial
