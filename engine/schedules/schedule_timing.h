// When a schedule fires (docs/schedules.md, "Fire times" and "Misfires"):
// its nominal fire times (cron in its time zone, or `every` from its
// anchor, inside [start_at, end_at]), the jitter each one gets, and which
// of them a fire carries out now, given the instant up to which the
// schedule has decided everything (its cursor) and the clock.
//
// A nominal time names the run (its instance or task id); the jitter only
// delays when it fires: the same for the same schedule and nominal time,
// so a restart fires it at the same moment.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/base/clock.h"
#include "engine/schedules/schedule_spec.h"

namespace sundial {

// The first nominal time strictly after `after`, or nullopt when none is
// left (end_at passed, or a cron expression that never matches again).
std::optional<TimeMs> next_nominal(const ScheduleSpec& spec, TimeMs after);
// The last nominal time at or before `at_or_before`, or nullopt.
std::optional<TimeMs> prev_nominal(const ScheduleSpec& spec, TimeMs at_or_before);
// In [0, spec.jitter): a hash of the schedule id and the nominal time.
DurationMs jitter_offset(const ScheduleSpec& spec, TimeMs nominal);
// Up to `n` nominal times after `after`, soonest first (GET shows three).
std::vector<TimeMs> upcoming(const ScheduleSpec& spec, TimeMs after, size_t n);

// What to fire now.
struct FirePlan {
  // The nominal times to fire now, oldest first: missed ones the misfire
  // policy keeps, then those due within the grace.
  std::vector<TimeMs> fire;
  // Whether fire times passed more than misfire_grace ago (a misfire).
  bool missed = false;
  // Missed times neither fired nor counted: the policy dropped them (at
  // least this many; counting stops at 10,000).
  uint64_t dropped = 0;
  // Every nominal time at or before it is decided once `fire` is done.
  TimeMs cursor = 0;
  // The next nominal time after the cursor, if any: when to look again
  // (fire at *next + jitter_offset).
  std::optional<TimeMs> next;
};
// Every nominal time in (cursor, now] is due once its jitter has passed;
// those at or before now - misfire_grace are missed and go by the
// misfire policy. At most kMaxFiresPerPlan are fired at once (a schedule
// due within the grace more often than that fires the rest next time).
inline constexpr size_t kMaxFiresPerPlan = 1000;
FirePlan plan_fires(const ScheduleSpec& spec, TimeMs cursor, TimeMs now);

}  // namespace sundial
