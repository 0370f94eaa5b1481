#include "engine/events/activity_window.h"

namespace sundial {

namespace {

int64_t minute_of(TimeMs t) { return (t < 0 ? 0 : t) / ActivityWindow::kBucketMs; }

}  // namespace

void ActivityWindow::count(const EngineEvent& event) {
  uint64_t ActivityBucket::*counter = nullptr;
  switch (event.type) {
    case EventType::kInstanceStarted: counter = &ActivityBucket::started; break;
    case EventType::kCompleted: counter = &ActivityBucket::completed; break;
    case EventType::kFailed: counter = &ActivityBucket::failed; break;
    default: return;
  }
  int64_t minute = minute_of(event.at);
  Slot& slot = slots_[static_cast<size_t>(minute % kMinutes)];
  if (slot.minute != minute) {
    if (slot.minute > minute) return;  // older than the hour the slot now counts
    slot = Slot{minute, ActivityBucket{minute * kBucketMs, 0, 0, 0}};
  }
  ++(slot.counts.*counter);
}

ActivityReport ActivityWindow::report(TimeMs now) const {
  ActivityReport report;
  report.counting_since = counting_since_;
  int64_t last = minute_of(now);
  for (int64_t minute = last - kMinutes + 1; minute <= last; ++minute) {
    ActivityBucket bucket{minute * kBucketMs, 0, 0, 0};
    if (minute >= 0) {
      const Slot& slot = slots_[static_cast<size_t>(minute % kMinutes)];
      if (slot.minute == minute) bucket = slot.counts;
    }
    report.started += bucket.started;
    report.completed += bucket.completed;
    report.failed += bucket.failed;
    report.buckets.push_back(bucket);
  }
  return report;
}

}  // namespace sundial
