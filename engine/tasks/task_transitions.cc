#include "engine/tasks/task_transitions.h"

#include <algorithm>

#include "engine/base/duration.h"
#include "engine/codec/slot_rows.h"
#include "engine/runtime/retry_policy.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_codec.h"
#include "engine/tasks/task_keys.h"

namespace sundial {
namespace {

Error conflict(const TaskRecord& t, std::string_view what) {
  return Error{ErrorCode::kConflict, "task '" + t.id + "' is " + std::string(task_status_name(t.status)) +
                                         ": " + std::string(what)};
}

// The lease must be the one this task is running under now.
Result<void> check_lease(const TaskRecord& t, const std::string& lease) {
  if (t.status != TaskStatus::kRunning || lease.empty() || lease != t.lease) {
    return make_error(ErrorCode::kConflict,
                      "task '" + t.id +
                          "': the lease is not current (it expired and the task was handed out "
                          "again, or it already completed or failed); nothing changed");
  }
  return ok();
}

void make_ready(TaskRecord& t, TimeMs ready_at, uint64_t seq) {
  t.status = TaskStatus::kPending;
  t.timer_due = 0;
  t.ready_at = ready_at;
  t.ready_seq = seq;
}

void end_lease(TaskRecord& t, TimeMs now, std::string_view outcome, std::string error) {
  if (!t.attempts.empty() && t.attempts.back().outcome == "running") {
    t.attempts.back().ended_at = now;
    t.attempts.back().outcome = std::string(outcome);
    t.attempts.back().error = error;
  }
  if (!error.empty()) t.last_error = std::move(error);
  t.lease.clear();
  t.lease_expires_at = 0;
  t.timer_due = 0;
  t.worker.clear();
  t.updated_at = now;
}

void finish(TaskRecord& t, TaskStatus status, TimeMs now) {
  t.status = status;
  t.slot = SlotState::kNone;  // the key's next waiter takes it
  t.slot_seq = 0;
  t.follow_up = false;
  t.finished_at = now;
  t.timer_due = 0;
  t.ready_at = 0;
  t.ready_seq = 0;
  t.updated_at = now;
}

// After a failed or expired attempt: again after a delay, or dead.
TaskRecord after_failed_attempt(TaskRecord t, const TaskFailure& f, TimeMs now, double jitter01,
                                uint64_t seq) {
  bool retry = f.retryable && t.attempt < t.retry.max_attempts;
  if (!retry) {
    finish(t, TaskStatus::kFailed, now);
    return t;
  }
  DurationMs delay = f.retry_after ? *f.retry_after : backoff_delay(t.retry, t.attempt, jitter01);
  if (delay <= 0) {
    make_ready(t, now, seq);
  } else {
    t.status = TaskStatus::kPending;
    t.timer_due = now + delay;
    t.ready_at = 0;
    t.ready_seq = 0;
  }
  return t;
}

}  // namespace

TaskRecord decide_enqueue(const TaskSpec& spec, std::string id, TimeMs now, uint64_t seq) {
  TaskRecord t;
  t.id = std::move(id);
  t.queue = spec.queue;
  t.type = spec.type;
  t.payload = EncodedJson(spec.payload);
  t.priority = spec.priority;
  t.retry = spec.retry;
  t.timeout = spec.timeout;
  t.dedupe_key = spec.dedupe_key;
  t.instance_id = spec.instance_id;
  t.concurrency = spec.concurrency;
  // With merge "list" the payload is always a list, even for a task no
  // enqueue folded into: the worker reads one shape.
  if (t.concurrency && t.concurrency->folds_starts() && t.concurrency->merge == CoalesceMerge::kList)
    t.payload = EncodedJson(nlohmann::json::array({spec.payload}));
  t.created_at = now;
  t.updated_at = now;
  TimeMs run_at = spec.run_at ? spec.run_at : now + std::max<DurationMs>(spec.delay, 0);
  if (run_at > now) {
    t.status = TaskStatus::kPending;
    t.timer_due = run_at;
  } else {
    make_ready(t, now, seq);
  }
  return t;
}

Result<TaskRecord> decide_claim(const TaskRecord& task, const std::string& worker, std::string lease,
                                TimeMs now) {
  if (!is_ready(task)) return std::unexpected(conflict(task, "only a ready task can be claimed"));
  TaskRecord t = task;
  t.status = TaskStatus::kRunning;
  t.attempt++;
  t.lease = std::move(lease);
  t.lease_expires_at = now + t.timeout;
  t.timer_due = 0;  // the lease end is an in-memory timer (task_keys.h)
  t.worker = worker;
  t.ready_at = 0;
  t.ready_seq = 0;
  t.updated_at = now;
  t.attempts.push_back(TaskAttempt{t.attempt, worker, now, 0, "running", ""});
  if (t.attempts.size() > kKeptTaskAttempts) t.attempts.erase(t.attempts.begin());
  return t;
}

Result<TaskRecord> decide_heartbeat(const TaskRecord& task, const std::string& lease, TimeMs now) {
  SUNDIAL_TRY(check_lease(task, lease));
  TaskRecord t = task;
  t.lease_expires_at = now + t.timeout;
  t.updated_at = now;
  return t;
}

Result<TaskRecord> decide_complete(const TaskRecord& task, const std::string& lease, nlohmann::json result,
                                   TimeMs now) {
  SUNDIAL_TRY(check_lease(task, lease));
  TaskRecord t = task;
  end_lease(t, now, "completed", "");
  t.result = std::move(result);
  finish(t, TaskStatus::kCompleted, now);
  return t;
}

Result<TaskRecord> decide_fail(const TaskRecord& task, const std::string& lease, const TaskFailure& failure,
                               TimeMs now, double jitter01, uint64_t seq) {
  SUNDIAL_TRY(check_lease(task, lease));
  TaskRecord t = task;
  end_lease(t, now, "failed", failure.error.empty() ? "failed without a message" : failure.error);
  return after_failed_attempt(std::move(t), failure, now, jitter01, seq);
}

Result<TaskRecord> decide_expire(const TaskRecord& task, TimeMs due, TimeMs now, double jitter01,
                                 uint64_t seq) {
  if (task.status != TaskStatus::kRunning || task.lease_expires_at != due) {
    return std::unexpected(conflict(task, "its lease did not end then"));
  }
  TaskRecord t = task;
  std::string error = "lease expired: worker '" + t.worker +
                      "' neither completed the task nor sent a heartbeat within " +
                      format_duration(t.timeout);
  end_lease(t, now, "expired", error);
  return after_failed_attempt(std::move(t), TaskFailure{error, true, std::nullopt}, now, jitter01, seq);
}

Result<TaskRecord> decide_ready(const TaskRecord& task, TimeMs due, uint64_t seq) {
  if (task.status != TaskStatus::kPending || task.timer_due != due) {
    return std::unexpected(conflict(task, "it was not waiting for that time"));
  }
  TaskRecord t = task;
  make_ready(t, due, seq);
  return t;
}

Result<TaskRecord> decide_retry(const TaskRecord& task, TimeMs now, uint64_t seq) {
  if (task.status != TaskStatus::kFailed && task.status != TaskStatus::kCancelled) {
    return std::unexpected(conflict(task, "only a failed or cancelled task can be retried"));
  }
  TaskRecord t = task;
  t.attempt = 0;
  t.finished_at = 0;
  t.updated_at = now;
  make_ready(t, now, seq);
  return t;
}

Result<TaskRecord> decide_cancel(const TaskRecord& task, TimeMs now) {
  if (task.status != TaskStatus::kPending && task.status != TaskStatus::kQueued) {
    return std::unexpected(conflict(task, "only a pending or queued task can be cancelled"));
  }
  TaskRecord t = task;
  finish(t, TaskStatus::kCancelled, now);
  return t;
}

void hold_slot(TaskRecord& t, uint64_t slot_seq) {
  t.slot = SlotState::kHolding;
  t.slot_seq = slot_seq;
}

void wait_for_slot(TaskRecord& t, uint64_t slot_seq, bool follow_up) {
  t.status = TaskStatus::kQueued;
  t.timer_due = 0;
  t.ready_at = 0;
  t.ready_seq = 0;
  t.slot = SlotState::kQueued;
  t.slot_seq = slot_seq;
  t.follow_up = follow_up;
}

Result<TaskRecord> decide_admit(const TaskRecord& task, TimeMs now, uint64_t seq) {
  if (task.status != TaskStatus::kQueued) {
    return std::unexpected(conflict(task, "only a queued task is admitted to its key's slot"));
  }
  TaskRecord t = task;
  make_ready(t, now, seq);
  t.slot = SlotState::kHolding;
  t.follow_up = false;
  t.updated_at = now;
  return t;
}

Result<TaskRecord> decide_fold(const TaskRecord& task, const nlohmann::json& payload, TimeMs now) {
  if (task.status != TaskStatus::kQueued || !task.follow_up || !task.concurrency) {
    return std::unexpected(conflict(task, "only a queued follow-up takes coalesced payloads"));
  }
  TaskRecord t = task;
  nlohmann::json folded = t.payload.value();
  SUNDIAL_TRY(fold_input(folded, payload, t.concurrency->merge));
  t.payload = EncodedJson(std::move(folded));
  t.folded++;
  t.updated_at = now;
  return t;
}

Result<size_t> write_task_change(const TaskRecord* before, const TaskRecord& after, Transition& tx) {
  SUNDIAL_ASSIGN_OR_RETURN(std::string bytes, encode_task(after));
  const size_t size = bytes.size();
  Batch& b = tx.batch;
  b.put(Cf::kTasks, after.id, std::move(bytes));
  auto move = [&](Cf cf, std::optional<std::string> old_key, std::optional<std::string> new_key,
                  std::string value = {}) {
    if (old_key && old_key != new_key) b.del(cf, *old_key);
    if (new_key && old_key != new_key) b.put(cf, *new_key, std::move(value));
  };
  auto ready = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr || !is_ready(*r)) return std::nullopt;
    return task_keys::ready_key(r->queue, r->type, task_keys::ready_order(*r));
  };
  auto listed = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr) return std::nullopt;
    return task_keys::status_key(r->queue, r->status, r->created_at, r->id);
  };
  auto finished = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr || !is_task_finished(r->status)) return std::nullopt;
    return task_keys::finished_key(r->finished_at, r->id);
  };
  auto dedupe = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr || !holds_dedupe_key(*r)) return std::nullopt;
    return task_keys::dedupe_key(r->queue, r->dedupe_key);
  };
  // Only a delayed pending task has a row (a running record an earlier
  // version wrote may still carry its lease end in timer_due).
  auto timer = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr || r->status != TaskStatus::kPending || r->timer_due == 0) return std::nullopt;
    return keys::timer_key(r->timer_due, task_keys::delay_timer_id(r->id));
  };
  auto slot = [](const TaskRecord* r) -> std::optional<std::string> {
    if (r == nullptr || !r->concurrency || r->slot == SlotState::kNone) return std::nullopt;
    return slot_row_key(SlotEntry{r->concurrency->key, r->id, r->slot, r->slot_seq, r->concurrency->limit},
                        keys::SlotSpace::kTasks);
  };
  move(Cf::kIndex, slot(before), slot(&after),
       after.concurrency ? slot_row_value(after.concurrency->limit) : std::string());
  move(Cf::kIndex, ready(before), ready(&after));
  move(Cf::kIndex, listed(before), listed(&after));
  move(Cf::kIndex, finished(before), finished(&after));
  move(Cf::kTasks, dedupe(before), dedupe(&after), after.id);
  auto old_timer = timer(before);
  auto new_timer = timer(&after);
  move(Cf::kTimers, old_timer, new_timer);
  if (new_timer && old_timer != new_timer)
    tx.timers_to_arm.push_back({after.timer_due, task_keys::delay_timer_id(after.id)});
  return size;
}

}  // namespace sundial
