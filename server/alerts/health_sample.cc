#include "server/alerts/health_sample.h"

#include "engine/engine.h"

namespace sundial::alerts {

HealthSample sample_engine_health(Engine& engine) {
  HealthSample out;
  for (const QueueView& q : engine.tasks().queues()) {
    out.dead_tasks[q.record.name] = q.record.counts[status_slot(TaskStatus::kFailed)];
  }
  out.misfires = engine.schedules().stats().misfires;
  if (auto why = engine.not_ready_reason(); why && why->code == ErrorCode::kStorageUnavailable) {
    out.storage_problem = why->message;
  }
  return out;
}

std::vector<Alert> health_alerts(const HealthSample& before, const HealthSample& after, TimeMs at) {
  std::vector<Alert> out;
  for (const auto& [queue, dead] : after.dead_tasks) {
    auto was = before.dead_tasks.find(queue);
    uint64_t old = was == before.dead_tasks.end() ? 0 : was->second;
    if (dead > old) out.push_back(Alert{AlertKind::kTaskDead, at, dead - old, queue, {}, {}});
  }
  if (after.misfires > before.misfires) {
    out.push_back(Alert{AlertKind::kScheduleMisfire, at, after.misfires - before.misfires, {}, {}, {}});
  }
  if (after.storage_problem && !before.storage_problem) {
    out.push_back(Alert{AlertKind::kStorageDegraded, at, 1, {}, {}, *after.storage_problem});
  } else if (!after.storage_problem && before.storage_problem) {
    out.push_back(Alert{AlertKind::kStorageRecovered, at, 1, {}, {}, {}});
  }
  return out;
}

}  // namespace sundial::alerts
