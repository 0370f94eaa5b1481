#include "server/alerts/alert_grouper.h"

#include <algorithm>

namespace sundial::alerts {

void AlertGrouper::add(Alert alert, TimeMs now) {
  if (!held_) {
    held_.emplace(max_samples_);
    held_since_ = now;
  }
  held_->add(std::move(alert));
}

std::optional<TimeMs> AlertGrouper::due_at() const {
  if (!held_) return std::nullopt;
  if (!last_sent_) return held_since_;
  return std::max(held_since_, *last_sent_ + interval_);
}

std::optional<AlertBatch> AlertGrouper::take(TimeMs now) {
  auto due = due_at();
  if (!due || now < *due) return std::nullopt;
  last_sent_ = now;
  std::optional<AlertBatch> out = std::move(held_);
  held_.reset();
  return out;
}

}  // namespace sundial::alerts
