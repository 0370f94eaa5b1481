// ScheduleServiceOptions: the knobs of the schedules ([schedules] in
// sundiald.toml), apart from the service so EngineOptions can hold them.
//
// Threading: a plain value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sundial {

struct ScheduleServiceOptions {
  // Default: 1000. Run-log entries kept per schedule (older ones are
  // deleted as new ones come).
  uint64_t runs_kept = 1000;
  // Default: 200000. Most schedules that can exist.
  size_t max_schedules = 200'000;
};

}  // namespace sundial
