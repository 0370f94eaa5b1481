#include "engine/timers/timer_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace sundial {
namespace {

// Runs on the pool.
Result<std::vector<keys::TimerKey>> read_timers(Store& store, const TimerScan& scan) {
  std::vector<keys::TimerKey> out;
  bool bad_key = false;
  SUNDIAL_TRY(store.scan(Cf::kTimers, keys::timer_key(scan.from, ""), keys::timer_key(scan.to, ""),
                         [&](std::string_view key, std::string_view) {
                           auto parsed = keys::parse_timer_key(key);
                           if (!parsed) {
                             bad_key = true;
                             return true;
                           }
                           out.push_back(std::move(*parsed));
                           return scan.limit == 0 || out.size() < scan.limit;
                         }));
  if (bad_key) spdlog::warn("timers: skipped a malformed timer key");
  return out;
}

}  // namespace

TimerService::TimerService(Loop& loop, Clock& clock, Store& store, WorkPool& pool, TimerWindowOptions options,
                           OnDue on_due)
    : loop_(loop),
      clock_(clock),
      store_(store),
      window_(options),
      on_due_(std::move(on_due)),
      uv_timer_(loop,
                [this] {
                  armed_for_ = 0;
                  poll();
                }),
      scans_(pool) {
  // Pending timers alone do not keep the process alive; the server does.
  uv_timer_.set_keeps_loop_alive(false);
}

void TimerService::poll() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (stopped_ || held_) return;
  TimeMs now = clock_.now_ms();
  std::vector<keys::TimerKey> due = window_.take_due(now, kMaxPerPoll);
  size_t fired = due.size();
  for (const keys::TimerKey& key : due) fire(now, key);
  // In-memory timers: each leaves the set before it fires (its callee may
  // add or remove others).
  while (!stopped_ && fired < kMaxPerPoll && !memory_only_.empty() && memory_only_.begin()->first <= now) {
    auto node = memory_only_.extract(memory_only_.begin());
    fire(now, keys::TimerKey{node.value().first, std::move(node.value().second)});
    ++fired;
  }
  if (stopped_) return;
  start_scan(now);
  if (fired == kMaxPerPoll) {
    arm(0);  // more are due: let the loop breathe, then continue
    return;
  }
  TimeMs wake = window_.next_wake();
  if (!memory_only_.empty()) wake = std::min(wake, memory_only_.begin()->first);
  arm(std::clamp<DurationMs>(wake - clock_.now_ms(), 0, kMaxSleep));
}

void TimerService::fire(TimeMs now, const keys::TimerKey& key) {
  stats_.fired++;
  stats_.max_lateness = std::max(stats_.max_lateness, now - key.due);
  stats_.lateness_ms.add(static_cast<uint64_t>(std::max<DurationMs>(0, now - key.due)));
  on_due_(key);
}

void TimerService::start_scan(TimeMs now) {
  std::optional<TimerScan> scan = window_.next_scan(now);
  if (!scan) return;
  scans_.run([&store = store_, scan = *scan] { return read_timers(store, scan); },
             [this, scan = *scan](Result<std::vector<keys::TimerKey>> found) {
               on_scanned(scan, std::move(found));
             });
}

void TimerService::on_scanned(const TimerScan& scan, Result<std::vector<keys::TimerKey>> found) {
  if (!found) {
    window_.scan_failed(scan);
    spdlog::error("timers: cannot read the timers column family: {}; retrying", found.error().to_string());
    if (!stopped_) arm(kMaxSleep);
    return;
  }
  window_.scan_done(scan, std::move(*found));
  poll();  // fire what the scan brought in, and scan on if needed
}

void TimerService::add(TimeMs due, std::string instance_id) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (stopped_) return;
  window_.add(due, std::move(instance_id));
  arm_for(due);
}

void TimerService::add_in_memory(TimeMs due, std::string id) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (stopped_) return;
  memory_only_.emplace(due, std::move(id));
  arm_for(due);
}

void TimerService::remove_in_memory(TimeMs due, const std::string& id) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (auto it = memory_only_.find(std::pair<TimeMs, std::string>(due, id)); it != memory_only_.end())
    memory_only_.erase(it);
  // The uv timer may stay armed for it: that wake finds nothing and re-arms.
}

void TimerService::release() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  held_ = false;
  poll();
}

void TimerService::reset() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  window_.reset();
  memory_only_.clear();
  held_ = true;
}

void TimerService::arm_for(TimeMs due) {
  if (armed_for_ == 0 || due < armed_for_) {
    arm(std::clamp<DurationMs>(due - clock_.now_ms(), 0, kMaxSleep));
  }
}

void TimerService::stop() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  stopped_ = true;
  uv_timer_.stop();
}

void TimerService::arm(DurationMs delay) {
  armed_for_ = clock_.now_ms() + delay;
  uv_timer_.start(static_cast<uint64_t>(delay));
}

}  // namespace sundial
