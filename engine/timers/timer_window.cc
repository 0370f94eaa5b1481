#include "engine/timers/timer_window.h"

#include <algorithm>
#include <limits>

namespace sundial {

TimerWindow::TimerWindow(TimerWindowOptions options) : options_(options) {}

void TimerWindow::push(TimeMs due, std::string id) { heap_.push(Entry{due, next_order_++, std::move(id)}); }

void TimerWindow::add(TimeMs due, std::string instance_id) {
  // A scan under way may have read its range before this commit: keep the
  // timer now (a second copy from the scan is harmless).
  TimeMs covered = scanning_ ? std::max(loaded_until_, scanning_to_) : loaded_until_;
  if (due < covered) push(due, std::move(instance_id));
}

void TimerWindow::reset() {
  heap_ = {};
  loaded_until_ = 0;
  generation_++;
  scanning_ = false;
  whole_due_next_ = false;
}

std::optional<TimerScan> TimerWindow::next_scan(TimeMs now) {
  if (scanning_) return std::nullopt;
  if (whole_due_next_) {
    scanning_ = true;
    scanning_to_ = loaded_until_ + 1;
    return TimerScan{loaded_until_, loaded_until_ + 1, 0, generation_};
  }
  // Loaded far enough ahead, or holding as many as one scan loads (fire
  // those first: memory stays bounded in a dense stretch or after a jump).
  if (loaded_until_ > now + options_.span / 2 || heap_.size() >= options_.scan_limit) {
    return std::nullopt;
  }
  scanning_ = true;
  scanning_to_ = std::max(now + options_.span, loaded_until_ + 1);
  return TimerScan{loaded_until_, scanning_to_, options_.scan_limit, generation_};
}

void TimerWindow::scan_failed(const TimerScan& scan) {
  if (scan.generation == generation_) scanning_ = false;
}

void TimerWindow::scan_done(const TimerScan& scan, std::vector<keys::TimerKey> found) {
  if (scan.generation != generation_ || !scanning_) return;
  scanning_ = false;
  if (scan.limit == 0 || found.size() < scan.limit) {
    for (auto& t : found) push(t.due, std::move(t.instance_id));
    loaded_until_ = scan.to;
    whole_due_next_ = false;
    return;
  }
  // The scan was cut short: keep what is complete, everything before the
  // last due time seen, and continue from that due time next time.
  TimeMs last_due = found.back().due;
  for (auto& t : found) {
    if (t.due < last_due) push(t.due, std::move(t.instance_id));
  }
  loaded_until_ = last_due;
  // One due time fills the whole part: load all of it at once next.
  whole_due_next_ = found.front().due == last_due;
}

std::vector<keys::TimerKey> TimerWindow::take_due(TimeMs now, size_t max) {
  std::vector<keys::TimerKey> out;
  while (!heap_.empty() && heap_.top().due <= now && out.size() < max) {
    Entry e = heap_.top();
    heap_.pop();
    out.push_back(keys::TimerKey{e.due, std::move(e.id)});
  }
  return out;
}

TimeMs TimerWindow::next_wake() const {
  // A scan under way wakes the caller when it is back; a full heap waits
  // for timers to fire before the next scan.
  bool can_scan = !scanning_ && (whole_due_next_ || heap_.size() < options_.scan_limit);
  TimeMs refill_at = !can_scan         ? std::numeric_limits<TimeMs>::max()
                     : whole_due_next_ ? loaded_until_
                                       : loaded_until_ - options_.span / 2;
  if (heap_.empty()) return refill_at;
  return std::min(heap_.top().due, refill_at);
}

}  // namespace sundial
