// HealthSample: the engine's counters an alert watches, read on the loop
// from what the engine keeps in memory (no storage read, like a /metrics
// scrape): tasks that ended failed per queue, schedule misfires, and
// whether the storage can write. health_alerts() turns two samples into
// the alerts of what changed between them.
//
// Threading: sample_engine_health on the loop thread; the rest pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/alerts/alert.h"

namespace sundial {
class Engine;
}

namespace sundial::alerts {

struct HealthSample {
  // Tasks with status failed ("dead") by queue.
  std::map<std::string, uint64_t> dead_tasks;
  // ScheduleStats::misfires: times a schedule found fire times missed.
  uint64_t misfires = 0;
  // Why the storage cannot write (storage_unavailable); nullopt when it can.
  std::optional<std::string> storage_problem;
};

HealthSample sample_engine_health(Engine& engine);

// What changed from `before` to `after`, as alerts at `at`: a task_dead
// per queue whose dead count rose (by the rise; a fall — a retried or
// deleted task — raises nothing), a schedule_misfire for a rise of the
// misfires, storage_degraded when the storage stopped writing,
// storage_recovered when it writes again.
std::vector<Alert> health_alerts(const HealthSample& before, const HealthSample& after, TimeMs at);

}  // namespace sundial::alerts
