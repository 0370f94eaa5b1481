// Key layouts of the task queues (docs/storage-format.md, "Tasks"):
//
//   tasks  CF  task id                                   → task record
//   tasks  CF  "%d" queue 0x00 dedupe key                → task id (held while pending or running)
//   index  CF  'R' queue 0x00 type 0x00 u32 (max prio - prio) u64 ready_at u64 seq id
//                                                        → empty: ready tasks, claim order
//   index  CF  'Q' queue 0x00 status byte u64 created id → empty: list by queue and status
//   index  CF  'K' u64 finished id                       → empty: finished tasks by age
//   timers CF  u64 due · "%D" id                         → empty: a task's delay or backoff
//
// A running task's lease end is no row: TaskService keeps it as an
// in-memory timer ("%E" id, TimerService::add_in_memory) and re-arms it
// from the running tasks at recovery. Rows "%L" id are lease ends stored
// by earlier versions; one that fires is deleted and does nothing else.
//   meta   CF  "queue\x1f" queue                         → queue record
//
// '%' never occurs in a task or instance id, so a timer row whose id starts
// with it is a task's, and a tasks-CF key starting with it is no task.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/tasks/task_model.h"

namespace sundial::task_keys {

// Where a ready task sits in its queue's claim order.
struct ReadyOrder {
  int64_t priority = 0;
  TimeMs ready_at = 0;
  uint64_t seq = 0;
  std::string id;
  // Higher priority first, then earlier ready_at, seq, id.
  auto operator<=>(const ReadyOrder& o) const {
    if (priority != o.priority) return o.priority <=> priority;
    if (ready_at != o.ready_at) return ready_at <=> o.ready_at;
    if (seq != o.seq) return seq <=> o.seq;
    return id <=> o.id;
  }
  bool operator==(const ReadyOrder&) const = default;
};
ReadyOrder ready_order(const TaskRecord& r);

std::string ready_key(std::string_view queue, std::string_view type, const ReadyOrder& order);
// The first key of the ready index of (queue, type) with priority below `priority`.
std::string ready_priority_end(std::string_view queue, std::string_view type, int64_t priority);
std::string ready_prefix(std::string_view queue, std::string_view type);
std::string ready_queue_prefix(std::string_view queue);
std::optional<ReadyOrder> parse_ready_key(std::string_view key, size_t prefix_len);
// The type of a key under ready_queue_prefix(queue) (its length `prefix_len`).
std::optional<std::string_view> ready_key_type(std::string_view key, size_t prefix_len);

std::string status_key(std::string_view queue, TaskStatus status, TimeMs created, std::string_view id);
std::string status_prefix(std::string_view queue, TaskStatus status);
std::string queue_prefix(std::string_view queue);
// The task id at the end of a status key (after `prefix_len` bytes and the time).
std::string_view status_key_id(std::string_view key, size_t prefix_len);

std::string finished_key(TimeMs finished, std::string_view id);
std::string finished_prefix();

std::string dedupe_key(std::string_view queue, std::string_view key);

// The timer row of a task's delay or backoff.
std::string delay_timer_id(std::string_view task_id);
// The in-memory timer of a running task's lease end.
std::string lease_timer_id(std::string_view task_id);
bool is_task_timer(std::string_view timer_id);
bool is_delay_timer(std::string_view timer_id);
bool is_lease_timer(std::string_view timer_id);
// A lease end row an earlier version stored ("%L" id).
bool is_stored_lease_timer(std::string_view timer_id);
std::string_view task_of_timer(std::string_view timer_id);

std::string queue_meta_key(std::string_view queue);
std::string queue_meta_prefix();

}  // namespace sundial::task_keys
