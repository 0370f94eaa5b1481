// The task queues' vocabulary: a task as stored in the `tasks` column
// family (TaskRecord), what an enqueue asks for (TaskSpec), the statuses,
// and a queue's settings and counts as stored in `meta` (QueueRecord).
// docs/tasks.md explains the lifecycle; docs/storage-format.md the bytes.
//
// Threading: plain values. The engine's loop thread owns the live copies
// (engine/tasks/task_service.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/codec/encoded_json.h"
#include "engine/model/concurrency.h"
#include "engine/runtime/retry_policy.h"

namespace sundial {

// The numeric values are stored in index keys: never renumber.
enum class TaskStatus : uint8_t {
  kPending = 1,  // waiting to be claimed: ready, or delayed until run_at / a retry's backoff
  kRunning = 2,  // leased to a worker until lease_expires_at
  kCompleted = 3,
  kFailed = 4,  // dead: attempts used up or a permanent failure; `retry` revives it
  kCancelled = 5,
  kQueued = 6,  // waiting for a slot of its concurrency key: not claimable until admitted (then pending)
};
inline constexpr size_t kTaskStatusCount = 6;
inline constexpr TaskStatus kAllTaskStatuses[] = {TaskStatus::kPending,   TaskStatus::kRunning,
                                                  TaskStatus::kCompleted, TaskStatus::kFailed,
                                                  TaskStatus::kCancelled, TaskStatus::kQueued};

std::string_view task_status_name(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view name);
inline bool is_task_finished(TaskStatus s) {
  return s != TaskStatus::kPending && s != TaskStatus::kRunning && s != TaskStatus::kQueued;
}
inline size_t status_slot(TaskStatus s) { return static_cast<size_t>(s) - 1; }

// Bounds of what an enqueue may ask for (docs/tasks.md).
inline constexpr int64_t kMinTaskPriority = 0;
inline constexpr int64_t kMaxTaskPriority = 1'000'000;
inline constexpr uint32_t kMaxTaskAttempts = 1000;
inline constexpr DurationMs kDefaultTaskTimeout = 30 * kSecondMs;
inline constexpr DurationMs kMinTaskTimeout = kSecondMs;
inline constexpr DurationMs kMaxTaskTimeout = 24 * kHourMs;
// Attempts kept on a record (the newest); older ones are dropped.
inline constexpr size_t kKeptTaskAttempts = 50;
inline constexpr std::string_view kDefaultTaskType = "default";

// Queue names: 1-64 bytes of [A-Za-z0-9._-]. Task ids: as instance ids
// (keys::validate_instance_id). Task types: as workflow type names.
Result<void> validate_queue_name(std::string_view name);

struct TaskSpec {
  std::optional<std::string> id;  // chosen by the caller (a workflow's task); generated when absent
  std::string queue;
  std::string type = std::string(kDefaultTaskType);
  nlohmann::json payload;
  std::string dedupe_key;  // empty: none
  TimeMs run_at = 0;       // 0: ready now (or after `delay`)
  DurationMs delay = 0;
  int64_t priority = 0;                      // higher is claimed first
  RetryPolicy retry;                         // max_attempts and the backoff between attempts
  DurationMs timeout = kDefaultTaskTimeout;  // the lease a claim gives
  std::string instance_id;                   // the workflow instance waiting for it; empty for none
  // Tasks with the same key are handed to workers at most `limit` at a
  // time, in arrival order (docs/tasks.md, "Concurrency keys"). No debounce.
  std::optional<ConcurrencySpec> concurrency;
};

struct TaskAttempt {
  uint32_t attempt = 0;
  std::string worker;
  TimeMs started_at = 0;
  TimeMs ended_at = 0;  // 0 while it runs
  std::string outcome;  // running, completed, failed, expired, cancelled
  std::string error;
};

struct TaskRecord {
  std::string id;
  std::string queue;
  std::string type;
  EncodedJson payload;  // encoded once at enqueue; every later write and claim reuses the text
  TaskStatus status = TaskStatus::kPending;
  int64_t priority = 0;
  uint32_t attempt = 0;  // attempts begun since enqueue (or the last retry)
  RetryPolicy retry;
  DurationMs timeout = kDefaultTaskTimeout;
  std::string dedupe_key;
  std::string instance_id;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  TimeMs finished_at = 0;
  // Pending and ready: when it became ready and a tie-breaker, its place
  // in the queue's ready index (higher priority first, then ready_at, seq).
  TimeMs ready_at = 0;
  uint64_t ready_seq = 0;
  // The task's row in the `timers` column family: run_at or a retry's end
  // while pending and delayed. 0: none. (A lease's end is lease_expires_at,
  // an in-memory timer; records of earlier versions also set this then.)
  TimeMs timer_due = 0;
  std::string lease;  // running: the token complete/fail/heartbeat must quote
  TimeMs lease_expires_at = 0;
  std::string worker;
  nlohmann::json result;
  std::string last_error;
  std::vector<TaskAttempt> attempts;  // the newest kKeptTaskAttempts
  // Its concurrency key, and where it stands under it: kHolding from its
  // arrival (enqueued ready, or its delay ended) while it is ready, leased
  // or backing off, until it finishes; kQueued while status is queued.
  // slot_seq orders the key's arrivals. A follow-up was queued by a
  // coalescing enqueue: later ones fold their payload into it until it is
  // admitted; `folded` counts them.
  std::optional<ConcurrencySpec> concurrency;
  SlotState slot = SlotState::kNone;
  uint64_t slot_seq = 0;
  bool follow_up = false;
  uint32_t folded = 0;
};

// Pending and not delayed: in the ready index, claimable.
inline bool is_ready(const TaskRecord& r) { return r.status == TaskStatus::kPending && r.timer_due == 0; }
// The dedupe key is held while the task is queued, pending or running.
inline bool holds_dedupe_key(const TaskRecord& r) {
  return !r.dedupe_key.empty() && !is_task_finished(r.status);
}

struct QueueRecord {
  std::string name;
  TimeMs created_at = 0;
  bool paused = false;
  uint32_t max_in_flight = 0;  // 0: no limit
  // A shared rate limiter ("notion", "notion:acme"; engine/flow/limiters.h)
  // each task handed out takes a token of; empty: none.
  std::string limit;
  std::array<uint64_t, kTaskStatusCount> counts{};  // tasks by status (status_slot)
};

}  // namespace sundial
