#include "engine/model/instance.h"

namespace sundial {

std::string_view status_name(InstanceStatus status) {
  switch (status) {
    case InstanceStatus::kRunning:
      return "running";
    case InstanceStatus::kWaiting:
      return "waiting";
    case InstanceStatus::kPaused:
      return "paused";
    case InstanceStatus::kCompleted:
      return "completed";
    case InstanceStatus::kFailed:
      return "failed";
    case InstanceStatus::kCancelled:
      return "cancelled";
    case InstanceStatus::kQueued:
      return "queued";
  }
  return "unknown";
}

std::optional<InstanceStatus> parse_status(std::string_view name) {
  for (InstanceStatus s : kAllStatuses) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

bool is_finished(InstanceStatus status) {
  return status == InstanceStatus::kCompleted || status == InstanceStatus::kFailed ||
         status == InstanceStatus::kCancelled;
}

}  // namespace sundial
