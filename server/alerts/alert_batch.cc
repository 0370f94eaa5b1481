#include "server/alerts/alert_batch.h"

#include <algorithm>

#include "engine/base/utf8.h"

namespace sundial::alerts {

std::string clip_text(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return repair_utf8(text);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …
  size_t keep = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back up over continuation bytes (10xxxxxx) so no sequence is split.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return repair_utf8(text.substr(0, keep)) + std::string(kEllipsis);
}

void AlertBatch::add(Alert alert) {
  if (total_ == 0) first_at_ = alert.at;
  first_at_ = std::min(first_at_, alert.at);
  last_at_ = std::max(last_at_, alert.at);
  counts_[static_cast<size_t>(alert.kind)] += alert.count;
  total_ += alert.count;
  if (samples_.size() >= max_samples_) {
    ++omitted_;
    return;
  }
  alert.subject = clip_text(alert.subject, kMaxAlertFieldBytes);
  alert.workflow_type = clip_text(alert.workflow_type, kMaxAlertFieldBytes);
  alert.message = clip_text(alert.message, kMaxAlertMessageBytes);
  samples_.push_back(std::move(alert));
}

}  // namespace sundial::alerts
