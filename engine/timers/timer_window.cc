#include "engine/timers/timer_window.h"

#include <algorithm>

namespace sundial {

TimerWindow::TimerWindow(TimerWindowOptions options, ScanTimers scan)
    : options_(options), scan_(std::move(scan)) {}

void TimerWindow::push(TimeMs due, std::string id) {
  heap_.push(Entry{due, next_order_++, std::move(id)});
}

void TimerWindow::add(TimeMs due, std::string instance_id) {
  if (due < loaded_until_) push(due, std::move(instance_id));
}

void TimerWindow::reset() {
  heap_ = {};
  loaded_until_ = 0;
}

Result<void> TimerWindow::load_part(TimeMs until) {
  SUNDIAL_ASSIGN_OR_RETURN(auto found, scan_(loaded_until_, until, options_.scan_limit));
  if (options_.scan_limit == 0 || found.size() < options_.scan_limit) {
    for (auto& t : found) push(t.due, std::move(t.instance_id));
    loaded_until_ = until;
    return ok();
  }
  // The scan was cut short: keep what is complete, everything before the
  // last due time seen, and continue from that due time next time.
  TimeMs last_due = found.back().due;
  if (found.front().due == last_due) {
    // One due time fills the whole part: load all of it at once.
    SUNDIAL_ASSIGN_OR_RETURN(auto all, scan_(last_due, last_due + 1, 0));
    for (auto& t : all) push(t.due, std::move(t.instance_id));
    loaded_until_ = last_due + 1;
    return ok();
  }
  for (auto& t : found) {
    if (t.due < last_due) push(t.due, std::move(t.instance_id));
  }
  loaded_until_ = last_due;
  return ok();
}

Result<std::vector<keys::TimerKey>> TimerWindow::take_due(TimeMs now, size_t max) {
  std::vector<keys::TimerKey> out;
  while (out.size() < max) {
    // Keep the window loaded at least half a span ahead of now.
    if (loaded_until_ <= now + options_.span / 2) SUNDIAL_TRY(load_part(now + options_.span));
    while (!heap_.empty() && heap_.top().due <= now && out.size() < max) {
      Entry e = heap_.top();
      heap_.pop();
      out.push_back(keys::TimerKey{e.due, std::move(e.id)});
    }
    // Done once every due timer is out of memory and none can be on disk.
    if (loaded_until_ > now + options_.span / 2) break;
    // Otherwise the window was loaded only in part (a dense stretch or a
    // clock jump): load the next part, so at most `max` timers are held.
    if (heap_.size() >= options_.scan_limit) break;
  }
  return out;
}

TimeMs TimerWindow::next_wake() const {
  TimeMs refill_at = loaded_until_ - options_.span / 2;
  if (heap_.empty()) return refill_at;
  return std::min(heap_.top().due, refill_at);
}

}  // namespace sundial
