// AlertGrouper: decides when alerts leave, so a failure storm is one
// message per window. The first alert after a quiet window is due at once;
// alerts arriving within `interval` of the last message are held and go
// out together when that window ends. Pure: times come from the caller's
// Clock, so tests drive it with plain numbers.
//
//   t=0    failure  → message 1 (1 alert)
//   t=1…59 failures → held
//   t=60            → message 2 (every held alert, counted; a sample kept)
//   t=60…  quiet    → nothing
//   t=500  failure  → message 3 at once
//
// Threading: loop thread (AlertMonitor's). Ownership: owns the batch being
// filled.
#pragma once

#include <optional>

#include "server/alerts/alert_batch.h"

namespace sundial::alerts {

class AlertGrouper {
 public:
  // REQUIRES: interval > 0.
  AlertGrouper(DurationMs interval, size_t max_samples = kDefaultAlertSamples)
      : interval_(interval), max_samples_(max_samples) {}

  // Holds `alert` (arrived at `now`) for the next message.
  void add(Alert alert, TimeMs now);
  // When take() has a message: nullopt when nothing is held.
  std::optional<TimeMs> due_at() const;
  // The held alerts as one batch when due at `now` (and the window starts
  // again from `now`); nullopt otherwise.
  std::optional<AlertBatch> take(TimeMs now);

 private:
  DurationMs interval_;
  size_t max_samples_;
  std::optional<TimeMs> last_sent_;
  TimeMs held_since_ = 0;
  std::optional<AlertBatch> held_;
};

}  // namespace sundial::alerts
