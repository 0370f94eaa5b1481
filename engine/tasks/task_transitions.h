// The task queues' pure decisions: what each command does to one task,
// as its next record (engine/transitions/decision.h explains the shape;
// these take and return TaskRecords). No I/O, no clock, no randomness:
// the caller passes `now`, the next ready sequence number, lease tokens
// and jitter. A refused command is an error and changes nothing:
// conflict for a status or lease that does not allow it.
//
// write_task_change() turns a before/after pair into the batch: the record,
// and each index entry whose presence or key changed (ready index, status
// list, finished list, dedupe key, timer row, concurrency slot row). Every transition writes
// through it, so the indexes cannot drift from the records.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/tasks/task_model.h"
#include "engine/transitions/transition.h"

namespace sundial {

// A new task from a validated spec: ready at once (ready_seq = `seq`) or
// delayed until run_at / now + delay.
TaskRecord decide_enqueue(const TaskSpec& spec, std::string id, TimeMs now, uint64_t seq);
// Leases a ready task to `worker` for its timeout.
Result<TaskRecord> decide_claim(const TaskRecord& task, const std::string& worker, std::string lease,
                                TimeMs now);
// Extends a lease by the task's timeout from now.
Result<TaskRecord> decide_heartbeat(const TaskRecord& task, const std::string& lease, TimeMs now);
Result<TaskRecord> decide_complete(const TaskRecord& task, const std::string& lease, nlohmann::json result,
                                   TimeMs now);
struct TaskFailure {
  std::string error;
  bool retryable = true;
  std::optional<DurationMs> retry_after;  // instead of the backoff
};
// A failed attempt: back to pending after the backoff (or retry_after), or
// failed for good when not retryable or the attempts are used up.
// `jitter01` in [0, 1); `seq` orders it if it is ready at once.
Result<TaskRecord> decide_fail(const TaskRecord& task, const std::string& lease, const TaskFailure& failure,
                               TimeMs now, double jitter01, uint64_t seq);
// The lease timer at `due` fired: the attempt counts as failed (retryable).
// Conflict when the task no longer holds that lease.
Result<TaskRecord> decide_expire(const TaskRecord& task, TimeMs due, TimeMs now, double jitter01,
                                 uint64_t seq);
// The delay or backoff timer at `due` fired: the task becomes ready.
Result<TaskRecord> decide_ready(const TaskRecord& task, TimeMs due, uint64_t seq);
// Failed or cancelled → pending and ready, its attempt count reset.
Result<TaskRecord> decide_retry(const TaskRecord& task, TimeMs now, uint64_t seq);
// Pending or queued → cancelled.
Result<TaskRecord> decide_cancel(const TaskRecord& task, TimeMs now);

// ---- Concurrency keys (the arrival rule itself is KeySlots') ----
// A task with a key and no slot that is ready now arrives under its key:
// at enqueue, when its delay ends, when it is retried.
inline bool arrives_now(const TaskRecord& t) {
  return t.concurrency && t.slot == SlotState::kNone && is_ready(t);
}
// It arrived and its key had room: it holds a slot (stays ready).
void hold_slot(TaskRecord& task, uint64_t slot_seq);
// It arrived and the key was busy: status queued, not claimable, until
// admitted. `follow_up`: later coalescing enqueues fold into it.
void wait_for_slot(TaskRecord& task, uint64_t slot_seq, bool follow_up);
// Queued → pending and ready (`seq` orders it), holding the slot the key
// gave it.
Result<TaskRecord> decide_admit(const TaskRecord& task, TimeMs now, uint64_t seq);
// A coalescing enqueue's `payload` folds into the queued follow-up `task`
// (concurrency.merge: replaced, or appended to its list). conflict when
// it is no follow-up or its list is full.
Result<TaskRecord> decide_fold(const TaskRecord& task, const nlohmann::json& payload, TimeMs now);

// Writes `after` and moves its index entries from where `before` had them
// (nullptr: a new task) into tx.batch; arms its timer in tx.timers_to_arm.
// Encodes first: on an error nothing is written. Returns the record's
// encoded size (what a ready window counts it as).
Result<size_t> write_task_change(const TaskRecord* before, const TaskRecord& after, Transition& tx);

}  // namespace sundial
