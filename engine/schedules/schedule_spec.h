// ScheduleSpec: what a schedule is (docs/schedules.md), as a value. One
// parser reads it from JSON for every way a schedule comes in: the HTTP API
// (POST/PUT /api/v1/schedules), sundiald.toml ([schedules.ID], turned into
// the same JSON), Lua scripts (their `schedules` table) and the stored
// record (which keeps the canonical JSON). Untrusted input: every field is
// bounded and checked, a refusal names the field (and, for a cron
// expression, the position), nothing throws.
//
//   {"id", "cron": "0 * * * *" | "every": "15m", "timezone": "Europe/Paris",
//    "action": {"start": {"type", "input"?}}
//            | {"task": {"queue", "payload"?, "type"?, "priority"?, ...}}
//            | {"signal": {"id", "name", "payload"?}},
//    "misfire": "skip" | "fire_once" | {"backfill": N}, "misfire_grace": "1m",
//    "overlap": "skip" | "queue" | "allow" | "cancel_previous",
//    "jitter": "30s", "start_at"?: ms, "end_at"?: ms, "paused"?: bool}
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/schedules/cron.h"
#include "engine/schedules/time_zone.h"

namespace sundial {

// What a schedule does after downtime, for fire times more than
// `misfire_grace` in the past.
enum class MisfirePolicy : uint8_t {
  kSkip,      // none of them: the next future time only
  kFireOnce,  // one catch-up run now, for the most recent missed time
  kBackfill,  // the `backfill` most recent missed times, oldest first
};
// What a fire does while the run of an earlier fire has not ended.
enum class OverlapPolicy : uint8_t {
  kSkip,            // nothing (the run log says so)
  kQueue,           // the new run waits, in order, until the earlier ones end
  kAllow,           // runs at once, beside them
  kCancelPrevious,  // the earlier run is cancelled, then the new one runs
};
enum class ScheduleActionKind : uint8_t { kStart, kTask, kSignal };
// Where a schedule was declared; only those of the API may be changed
// or deleted through it.
enum class ScheduleSource : uint8_t { kApi, kConfig, kScript };

// A JSON value kept as its compact text. A schedule holds its action's
// body for as long as it lives and reads it only when it fires; as a tree
// (a std::map per object) 100,000 schedules' bodies cost about 25 MB, as
// text about 5 MB (docs/benchmarks.md, "schedules").
class CompactJson {
 public:
  CompactJson() = default;
  CompactJson(const nlohmann::json& value)  // NOLINT(google-explicit-constructor): a JSON value, stored
      : text_(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {}
  nlohmann::json value() const { return nlohmann::json::parse(text_, nullptr, false); }
  bool operator==(const CompactJson&) const = default;

 private:
  std::string text_ = "{}";
};

struct ScheduleAction {
  ScheduleActionKind kind = ScheduleActionKind::kStart;
  std::string target;  // start: the workflow type; task: the queue; signal: the instance id
  std::string name;    // signal: the signal's name
  // start: the input; task: the task object without its queue; signal: the payload.
  CompactJson body;
};

struct ScheduleSpec {
  std::string id;
  std::optional<CronExpr> cron;  // or
  DurationMs every = 0;          // fire times anchor on start_at, else the Unix epoch
  TimeZone zone = TimeZone::utc();
  ScheduleAction action;
  MisfirePolicy misfire = MisfirePolicy::kFireOnce;
  uint32_t backfill = 0;  // with kBackfill
  DurationMs misfire_grace = kMinuteMs;
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  DurationMs jitter = 0;
  std::optional<TimeMs> start_at;
  std::optional<TimeMs> end_at;
  bool paused = false;
};

inline constexpr size_t kMaxScheduleIdBytes = 100;
inline constexpr uint32_t kMaxBackfill = 1000;
inline constexpr DurationMs kMinEvery = kSecondMs;
inline constexpr DurationMs kMaxEvery = 366 * kDayMs;
inline constexpr DurationMs kMaxJitter = kDayMs;
// A grace of 0 would count every fire as late (missed), so "skip" would never fire.
inline constexpr DurationMs kMinMisfireGrace = kSecondMs;
inline constexpr DurationMs kMaxMisfireGrace = 7 * kDayMs;

// Schedule ids: 1-100 bytes of [A-Za-z0-9._-] (they travel in URL paths
// and name the instances and tasks a schedule fires).
Result<void> validate_schedule_id(std::string_view id);

// `body` as a schedule. `id`, when given (the path of PUT), is the id; a
// body `id` must then equal it. invalid_argument naming the field.
Result<ScheduleSpec> parse_schedule_spec(const nlohmann::json& body, std::optional<std::string_view> id = {});
// The spec as JSON with every default filled in: what GET shows and what
// is stored; parse_schedule_spec reads it back to an equal spec.
nlohmann::json schedule_spec_json(const ScheduleSpec& spec);

std::string_view misfire_policy_name(MisfirePolicy p);
std::string_view overlap_policy_name(OverlapPolicy p);
std::string_view schedule_action_name(ScheduleActionKind k);
std::string_view schedule_source_name(ScheduleSource s);
std::optional<ScheduleSource> parse_schedule_source(std::string_view name);

}  // namespace sundial
