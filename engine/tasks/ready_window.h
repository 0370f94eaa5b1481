// ReadyWindow: the head of one (queue, type)'s ready index, in memory, so
// a claim takes tasks without reading the disk. It holds the first ready
// tasks in claim order (task_keys::ReadyOrder), at most max_tasks of them
// and about max_bytes of records; the rest stay on disk until a scan of
// the ready index (run elsewhere: TaskService, on the WorkPool) loads the
// next part. A million pending tasks cost disk, not memory.
//
// Invariant: while !complete(), every ready task on disk whose order is at
// or before bound() is in memory (or was taken from it), and memory holds
// nothing after bound(); when complete(), memory holds every ready task.
// Tasks are added only once their enqueue is durable, so a claim never
// hands out a task that a crash could take back.
//
// Scans and changes race: a task added while a scan is under way is kept
// for when the scan answers; a task removed (cancelled) before its removal
// is durable is remembered until no scan begun before then can return it.
//
// Pure: no libuv, no clock, no storage. Threading: loop thread only.
// Ownership: owned by TaskService, one per (queue, type).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/tasks/task_keys.h"
#include "engine/tasks/task_model.h"

namespace sundial {

struct ReadyWindowOptions {
  // Default: 1000. Most tasks held in memory per (queue, type).
  size_t max_tasks = 1000;
  // Default: 4 MiB. About the most record bytes held per (queue, type).
  size_t max_bytes = size_t{4} << 20;
};

// Ready tasks after `after` (from the start when absent), at most `limit`.
struct ReadyScan {
  std::optional<task_keys::ReadyOrder> after;
  size_t limit = 0;
  uint64_t number = 0;  // scans begun before this one
  // Stop reading records once this many bytes are read (always read one):
  // the room left in the window's byte budget.
  size_t max_bytes = SIZE_MAX;
};

class ReadyWindow {
 public:
  // `complete`: the disk holds no ready task of this (queue, type) yet.
  ReadyWindow(ReadyWindowOptions options, bool complete);

  // A ready task whose commit is durable; `bytes` its encoded size.
  void add(TaskRecord task, size_t bytes);
  bool empty() const { return held_.empty(); }
  size_t size() const { return held_.size(); }
  const task_keys::ReadyOrder& front_order() const { return held_.begin()->first; }
  // REQUIRES: !empty().
  TaskRecord pop_front();
  // A ready task leaves without a claim (cancel): dropped from memory, and
  // remembered until removal_committed() and every scan begun before it has
  // answered.
  void remove(const task_keys::ReadyOrder& order);
  void removal_committed(const std::string& id);

  // The scan to run now, if memory runs low (in tasks, with room left in
  // bytes) and the disk has more; the window then counts it as under way.
  std::optional<ReadyScan> next_scan();
  // What a scan found, in order: (record, encoded size); `exhausted` when
  // it reached the end of the index.
  void scan_done(const ReadyScan& scan, std::vector<std::pair<TaskRecord, size_t>> found, bool exhausted);
  void scan_failed(const ReadyScan& scan);
  bool scanning() const { return scanning_; }
  bool complete() const { return complete_; }
  // While !complete(): the last order memory accounts for (none: nothing
  // loaded yet); a ready task on disk past it is not in memory.
  const std::optional<task_keys::ReadyOrder>& bound() const { return bound_; }
  // The earliest ready_at among the held tasks (the first of each
  // priority), nullopt when none is held.
  std::optional<TimeMs> oldest_held() const;
  size_t bytes() const { return bytes_; }

 private:
  struct Held {
    TaskRecord task;
    size_t bytes;
  };
  // Sets the bound to `order` and drops what memory holds after it.
  void lower_bound_to(const task_keys::ReadyOrder& order);
  void evict_over_budget();
  bool within_bound(const task_keys::ReadyOrder& order) const {
    return complete_ || (bound_ && order <= *bound_);
  }

  ReadyWindowOptions options_;
  std::map<task_keys::ReadyOrder, Held> held_;
  size_t bytes_ = 0;
  bool complete_;
  std::optional<task_keys::ReadyOrder> bound_;  // while !complete_; none: nothing loaded yet
  bool scanning_ = false;
  bool scan_overtaken_ = false;  // the bound fell during the scan: its answer is stale
  uint64_t scans_begun_ = 0;
  // Added while a scan was under way, beyond the bound: reconsidered when it answers.
  std::vector<Held> added_during_scan_;
  // Removed ids → scans_begun_ when the removal was durable (nullopt: not yet).
  std::unordered_map<std::string, std::optional<uint64_t>> removed_;
};

}  // namespace sundial
