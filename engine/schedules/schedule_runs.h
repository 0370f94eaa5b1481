// A schedule's run log as GET /api/v1/schedules/{id}/runs shows it: each
// entry with the outcome of what it fired, read from the target itself
// (the instance's or task's status now, and how long it ran), so the log
// never needs a write when a run ends.
//
// Threading: any thread, on a storage snapshot (the engine's query pool).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "engine/schedules/schedule_codec.h"
#include "engine/storage/store.h"

namespace sundial {

struct ScheduleRunView {
  ScheduleRun run;
  // The target's status ("running", "completed", "failed", "queued",
  // "pending", ...) while it exists; else what the fire did ("skipped",
  // "error", "signalled", or "started"/"enqueued" for a target since
  // deleted by retention).
  std::string outcome;
  std::optional<int64_t> duration_ms;  // fire → the target's end, once it ended
};

struct ScheduleRunsPage {
  std::vector<ScheduleRunView> runs;    // newest first
  std::optional<uint64_t> next_before;  // pass as `before` for the next page
};

// Up to `limit` runs of schedule `id` with seq below `before` (none: the
// newest). not_found when the schedule does not exist in `snapshot`.
Result<ScheduleRunsPage> read_schedule_runs(Store& snapshot, const std::string& id,
                                            std::optional<uint64_t> before, size_t limit);

}  // namespace sundial
