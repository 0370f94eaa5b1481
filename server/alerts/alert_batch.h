// AlertBatch: the alerts of one grouping window, in bounded memory — a
// count per kind (every alert counted), the first `max_samples` alerts kept
// whole (messages cut to kMaxAlertMessageBytes), the rest only counted as
// omitted. A storm of 10,000 failures costs 20 samples and five counters.
//
// Threading: a plain value, used on the loop by AlertGrouper.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "server/alerts/alert.h"

namespace sundial::alerts {

// Default sample size of a message (alert_grouper.h).
inline constexpr size_t kDefaultAlertSamples = 20;
// A sampled message or error longer than this is cut (on a UTF-8
// boundary) and ends with "…".
inline constexpr size_t kMaxAlertMessageBytes = 512;
// Ids and workflow types are cut too, so one sample stays small.
inline constexpr size_t kMaxAlertFieldBytes = 256;

class AlertBatch {
 public:
  explicit AlertBatch(size_t max_samples = kDefaultAlertSamples) : max_samples_(max_samples) {}

  // Counts `alert` and keeps it as a sample while there is room.
  void add(Alert alert);

  bool empty() const { return total_ == 0; }
  // Occurrences of `kind` (the sum of the alerts' counts).
  uint64_t count(AlertKind kind) const { return counts_[static_cast<size_t>(kind)]; }
  // Occurrences of every kind.
  uint64_t total() const { return total_; }
  const std::vector<Alert>& samples() const { return samples_; }
  // Alerts counted but not kept as samples.
  uint64_t omitted() const { return omitted_; }
  TimeMs first_at() const { return first_at_; }
  TimeMs last_at() const { return last_at_; }

 private:
  size_t max_samples_;
  std::array<uint64_t, kAlertKindCount> counts_{};
  uint64_t total_ = 0;
  std::vector<Alert> samples_;
  uint64_t omitted_ = 0;
  TimeMs first_at_ = 0;
  TimeMs last_at_ = 0;
};

// `text` cut to at most `max_bytes` on a UTF-8 boundary, "…" appended when
// cut, invalid bytes repaired (it is only shown).
std::string clip_text(std::string_view text, size_t max_bytes);

}  // namespace sundial::alerts
