// Alert: one thing an operator should hear about — an instance that
// failed, tasks that died, schedule fire times missed, storage that cannot
// write (and that it can again). The alert hook (alert_monitor.h) groups
// them into one signed message per window (alert_batch.h).
//
// Threading: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"

namespace sundial::alerts {

enum class AlertKind : uint8_t {
  kInstanceFailed,    // subject: the instance id; workflow_type; message: its error
  kTaskDead,          // subject: the queue; count: tasks that ended failed
  kScheduleMisfire,   // count: times schedules found fire times missed
  kStorageDegraded,   // message: why the storage cannot write (disk full, I/O error)
  kStorageRecovered,  // the storage writes again
};
inline constexpr size_t kAlertKindCount = 5;
inline constexpr std::array<AlertKind, kAlertKindCount> kAllAlertKinds = {
    AlertKind::kInstanceFailed, AlertKind::kTaskDead, AlertKind::kScheduleMisfire,
    AlertKind::kStorageDegraded, AlertKind::kStorageRecovered};

// The wire name: instance_failed, task_dead, schedule_misfire,
// storage_degraded, storage_recovered (the payload's "kind", the metric's label).
std::string_view alert_kind_name(AlertKind kind);
std::optional<AlertKind> parse_alert_kind(std::string_view name);

struct Alert {
  AlertKind kind = AlertKind::kInstanceFailed;
  TimeMs at = 0;
  // How many occurrences this alert stands for (a sampled counter's increase).
  uint64_t count = 1;
  std::string subject;        // instance id (instance_failed) or queue (task_dead)
  std::string workflow_type;  // instance_failed
  std::string message;        // the error, or the storage's reason
};

}  // namespace sundial::alerts
