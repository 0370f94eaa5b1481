#include "server/alerts/alert.h"

namespace sundial::alerts {

std::string_view alert_kind_name(AlertKind kind) {
  switch (kind) {
    case AlertKind::kInstanceFailed:
      return "instance_failed";
    case AlertKind::kTaskDead:
      return "task_dead";
    case AlertKind::kScheduleMisfire:
      return "schedule_misfire";
    case AlertKind::kStorageDegraded:
      return "storage_degraded";
    case AlertKind::kStorageRecovered:
      return "storage_recovered";
  }
  return "unknown";
}

std::optional<AlertKind> parse_alert_kind(std::string_view name) {
  for (AlertKind kind : kAllAlertKinds) {
    if (alert_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace sundial::alerts
