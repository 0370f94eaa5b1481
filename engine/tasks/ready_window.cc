#include "engine/tasks/ready_window.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sundial {

ReadyWindow::ReadyWindow(ReadyWindowOptions options, bool complete) : options_(options), complete_(complete) {
  options_.max_tasks = std::max<size_t>(options_.max_tasks, 1);
}

void ReadyWindow::add(TaskRecord task, size_t bytes) {
  auto order = task_keys::ready_order(task);
  if (!within_bound(order)) {
    if (scanning_) added_during_scan_.push_back(Held{std::move(task), bytes});
    return;
  }
  auto [it, inserted] = held_.try_emplace(order, Held{std::move(task), bytes});
  if (inserted) bytes_ += bytes;
  evict_over_budget();
}

std::optional<TimeMs> ReadyWindow::oldest_held() const {
  std::optional<TimeMs> oldest;
  auto it = held_.begin();
  while (it != held_.end()) {  // the first of each priority is its oldest
    const task_keys::ReadyOrder& first = it->first;
    if (!oldest || first.ready_at < *oldest) oldest = first.ready_at;
    if (first.priority == kMinTaskPriority) break;
    it = held_.lower_bound(
        task_keys::ReadyOrder{first.priority - 1, std::numeric_limits<TimeMs>::min(), 0, std::string()});
  }
  return oldest;
}

TaskRecord ReadyWindow::pop_front() {
  auto it = held_.begin();
  TaskRecord task = std::move(it->second.task);
  bytes_ -= it->second.bytes;
  held_.erase(it);
  return task;
}

void ReadyWindow::remove(const task_keys::ReadyOrder& order) {
  if (auto it = held_.find(order); it != held_.end()) {
    bytes_ -= it->second.bytes;
    held_.erase(it);
  }
  std::erase_if(added_during_scan_, [&](const Held& h) { return h.task.id == order.id; });
  removed_[order.id] = std::nullopt;
}

void ReadyWindow::removal_committed(const std::string& id) {
  auto it = removed_.find(id);
  if (it == removed_.end()) return;
  if (!scanning_) {
    removed_.erase(it);  // no scan under way can return it, and later ones will not
  } else {
    it->second = scans_begun_;
  }
}

void ReadyWindow::lower_bound_to(const task_keys::ReadyOrder& order) {
  complete_ = false;
  if (scanning_) scan_overtaken_ = true;
  if (!bound_ || order < *bound_) bound_ = order;
  while (!held_.empty() && std::prev(held_.end())->first > *bound_) {
    auto last = std::prev(held_.end());
    bytes_ -= last->second.bytes;
    held_.erase(last);
  }
}

void ReadyWindow::evict_over_budget() {
  // Over the byte budget, the last task goes only if the rest still fill
  // it: what crossed the line stays, so a window that is full by bytes asks
  // for no scan (next_scan), and a scan always keeps what it read first.
  auto over_bytes = [&] {
    return held_.size() > 1 && bytes_ - std::prev(held_.end())->second.bytes >= options_.max_bytes;
  };
  while (held_.size() > options_.max_tasks || over_bytes()) {
    auto last = std::prev(held_.end());
    bytes_ -= last->second.bytes;
    held_.erase(last);
    // What is left is the head; the evicted task waits on disk.
    lower_bound_to(std::prev(held_.end())->first);
  }
}

std::optional<ReadyScan> ReadyWindow::next_scan() {
  if (complete_ || scanning_ || held_.size() > options_.max_tasks / 4) return std::nullopt;
  // Full by bytes: a scan would read records only to drop them (and the
  // next one again, for ever).
  if (!held_.empty() && bytes_ >= options_.max_bytes) return std::nullopt;
  scanning_ = true;
  ReadyScan scan{bound_, options_.max_tasks - held_.size(), scans_begun_++, options_.max_bytes - bytes_};
  return scan;
}

void ReadyWindow::scan_done(const ReadyScan& scan, std::vector<std::pair<TaskRecord, size_t>> found,
                            bool exhausted) {
  scanning_ = false;
  if (std::exchange(scan_overtaken_, false)) {  // it read from a bound since lowered: stale
    found.clear();
    exhausted = false;
  }
  // What the scan read ends its part of the index: everything up to its last
  // row is now known, and all of it when it reached the end.
  std::optional<task_keys::ReadyOrder> last;
  if (!found.empty()) last = task_keys::ready_order(found.back().first);
  for (auto& [task, bytes] : found) {
    if (removed_.contains(task.id)) continue;
    auto order = task_keys::ready_order(task);
    if (bound_ && order <= *bound_) continue;  // memory already has (or gave out) this part
    auto [it, inserted] = held_.try_emplace(std::move(order), Held{std::move(task), bytes});
    if (inserted) bytes_ += bytes;
  }
  if (exhausted) {
    complete_ = true;
    bound_.reset();
  } else if (last && (!bound_ || *bound_ < *last)) {
    bound_ = *last;
  }
  // A removal durable before scan n+1 began cannot be returned by any later scan.
  std::erase_if(removed_, [&](const auto& r) { return r.second && *r.second <= scan.number + 1; });
  auto added = std::move(added_during_scan_);
  added_during_scan_.clear();
  for (auto& h : added) add(std::move(h.task), h.bytes);
  evict_over_budget();
}

void ReadyWindow::scan_failed(const ReadyScan&) {
  scanning_ = false;
  scan_overtaken_ = false;
  auto added = std::move(added_during_scan_);
  added_during_scan_.clear();
  for (auto& h : added) add(std::move(h.task), h.bytes);
}

}  // namespace sundial
