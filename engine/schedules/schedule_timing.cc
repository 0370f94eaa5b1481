#include "engine/schedules/schedule_timing.h"

#include <algorithm>
#include <string_view>

#include "engine/base/floor_div.h"

namespace sundial {
namespace {

// Missed times counted one by one (cron) before the count says "at least".
constexpr uint64_t kMaxMissedCounted = 10'000;

TimeMs every_anchor(const ScheduleSpec& spec) { return spec.start_at.value_or(0); }

// Missed times in [first, last] (both nominal times of the schedule).
uint64_t count_between(const ScheduleSpec& spec, TimeMs first, TimeMs last) {
  if (spec.every > 0) return static_cast<uint64_t>((last - first) / spec.every) + 1;
  uint64_t n = 1;
  for (auto t = next_nominal(spec, first); t && *t <= last && n < kMaxMissedCounted;
       t = next_nominal(spec, *t)) {
    ++n;
  }
  return n;
}

}  // namespace

std::optional<TimeMs> next_nominal(const ScheduleSpec& spec, TimeMs after) {
  if (spec.start_at && *spec.start_at - 1 > after) after = *spec.start_at - 1;
  std::optional<TimeMs> t;
  if (spec.cron) {
    t = spec.cron->next(after, spec.zone);
  } else {
    TimeMs anchor = every_anchor(spec);
    t = anchor + (floor_div(after - anchor, spec.every) + 1) * spec.every;
  }
  if (t && spec.end_at && *t > *spec.end_at) return std::nullopt;
  return t;
}

std::optional<TimeMs> prev_nominal(const ScheduleSpec& spec, TimeMs at_or_before) {
  if (spec.end_at && at_or_before > *spec.end_at) at_or_before = *spec.end_at;
  std::optional<TimeMs> t;
  if (spec.cron) {
    t = spec.cron->prev(at_or_before, spec.zone);
  } else {
    TimeMs anchor = every_anchor(spec);
    t = anchor + floor_div(at_or_before - anchor, spec.every) * spec.every;
  }
  if (t && spec.start_at && *t < *spec.start_at) return std::nullopt;
  return t;
}

DurationMs jitter_offset(const ScheduleSpec& spec, TimeMs nominal) {
  if (spec.jitter <= 0) return 0;
  // FNV-1a over the id, then the nominal time mixed in (splitmix64).
  uint64_t h = 1469598103934665603ull;
  for (char c : spec.id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  uint64_t z = h ^ static_cast<uint64_t>(nominal);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<DurationMs>(z % static_cast<uint64_t>(spec.jitter));
}

std::vector<TimeMs> upcoming(const ScheduleSpec& spec, TimeMs after, size_t n) {
  std::vector<TimeMs> out;
  for (auto t = next_nominal(spec, after); t && out.size() < n; t = next_nominal(spec, *t)) out.push_back(*t);
  return out;
}

FirePlan plan_fires(const ScheduleSpec& spec, TimeMs cursor, TimeMs now) {
  FirePlan plan;
  plan.cursor = cursor;
  auto first = next_nominal(spec, cursor);
  // Fire times at or before this passed more than the grace ago.
  TimeMs late_limit = now - spec.misfire_grace - spec.jitter;
  if (first && *first <= late_limit) {
    plan.missed = true;
    TimeMs last_missed = prev_nominal(spec, late_limit).value_or(*first);
    uint64_t missed = count_between(spec, *first, last_missed);
    std::vector<TimeMs> kept;
    if (spec.misfire == MisfirePolicy::kFireOnce) {
      kept.push_back(last_missed);
    } else if (spec.misfire == MisfirePolicy::kBackfill) {
      kept.push_back(last_missed);
      while (kept.size() < spec.backfill) {
        auto p = prev_nominal(spec, kept.back() - 1);
        if (!p || *p <= cursor) break;
        kept.push_back(*p);
      }
      std::reverse(kept.begin(), kept.end());
    }
    plan.dropped = missed > kept.size() ? missed - kept.size() : 0;
    plan.fire = std::move(kept);
    plan.cursor = last_missed;
  }
  auto t = next_nominal(spec, plan.cursor);
  while (t && *t <= now && *t + jitter_offset(spec, *t) <= now && plan.fire.size() < kMaxFiresPerPlan) {
    plan.fire.push_back(*t);
    plan.cursor = *t;
    t = next_nominal(spec, *t);
  }
  plan.next = t;
  return plan;
}

}  // namespace sundial
