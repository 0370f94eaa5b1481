// TimeZone: a named zone of the system tz database ("UTC", "Europe/Paris")
// in which cron schedules (engine/schedules/cron.h) read wall-clock time,
// and the one place that says how a wall-clock time maps back to an
// instant across daylight-saving changes (docs/schedules.md):
//
//   - a local time that exists once is that instant;
//   - a local time skipped by a spring-forward gap is the instant the gap
//     ends (02:30 on a day Paris jumps from 02:00 to 03:00 is 03:00 CEST);
//   - a local time that occurs twice at fall-back is the earlier instant.
//
// So the mapping never goes backwards as the wall clock goes forwards.
//
// The zones come from Howard Hinnant's date library (Debian's
// libhowardhinnant-date-dev, the origin of C++20's std::chrono tz, which
// GCC 12 lacks) reading the OS tzdata in /usr/share/zoneinfo. The library
// reads each zone's file on its first use; warm_time_zones() reads them all
// up front so that no later lookup touches the disk. It uses only the
// transitions the files list, which on Debian end in 2037: later instants
// keep the last listed offset (no DST after 2037).
//
// Threading: a TimeZone is an immutable value, safe to copy and use from any
// thread (the library loads zones under std::call_once). find() may read
// files unless warm_time_zones() ran; call it off the event loop.
// Ownership: a TimeZone points at a zone the library keeps for the life of
// the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace date {
class time_zone;
}  // namespace date

namespace sundial {

class TimeZone {
 public:
  // "UTC", "Europe/Paris", ... from the system tz database (names are
  // case-sensitive, as the database spells them). An unknown name is
  // invalid_argument `unknown time zone "Nope/Zone"`, with a "did you
  // mean" hint when a zone name is close; an empty name is invalid_argument.
  static Result<TimeZone> find(std::string_view name);
  static TimeZone utc();

  // The name it was found by ("US/Eastern" stays "US/Eastern").
  const std::string& name() const;

  // Local wall-clock time as seconds counted like Unix time, as if the wall
  // clock were UTC: 2026-03-29 02:30 local is the Unix seconds of
  // 2026-03-29T02:30:00Z. Rounded down to the second.
  int64_t local_seconds(TimeMs at) const;
  // The instant of a local wall-clock time (in local_seconds' count),
  // resolved by the rules above, in whole seconds as TimeMs.
  TimeMs resolve_local(int64_t local_seconds) const;
  // Seconds east of UTC at `at` (Paris in summer: 7200).
  int64_t utc_offset_seconds(TimeMs at) const;

  bool operator==(const TimeZone& other) const { return zone_ == other.zone_; }

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_;  // never null; zones live as long as the process
};

// Loads every zone of the tz database so that no later lookup reads a file
// (the daemon calls it at start-up off the event loop). Returns how many zones.
size_t warm_time_zones();

}  // namespace sundial
