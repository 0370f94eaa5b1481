// How schedules are stored (docs/storage-format.md, "schedules"): the
// `schedules` column family holds each schedule's record and its run log.
//
//   's' <id>                    → record: {"spec": <canonical spec>, "source",
//                                 "paused", "cursor", "created_at", "updated_at",
//                                 "fires", "misfires", "run_seq", "last_target",
//                                 "owner"?}
//   'r' <id> 0x00 <u64 seq BE>  → one run: {"nominal_time", "started_at",
//                                 "target_id", "fired", "error"?, "trigger"}
//
// Schedule ids are [A-Za-z0-9._-] (never 0x00), so one schedule's runs are
// contiguous and in fire order; the newest is the last key.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/schedules/schedule_spec.h"

namespace sundial {

// What a schedule has done, beside what it is.
struct ScheduleState {
  ScheduleSource source = ScheduleSource::kApi;
  bool paused = false;
  // Every nominal time at or before it is decided (fired, skipped or missed).
  TimeMs cursor = 0;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  uint64_t fires = 0;       // runs fired (targets started, enqueued or signalled)
  uint64_t misfires = 0;    // times the schedule found fire times missed
  uint64_t run_seq = 0;     // the seq of its newest run-log entry
  std::string last_target;  // the target of the newest fire (overlap cancel_previous)
  // Which declaration made it, within its source: the workflow type of a
  // Lua script's schedule; empty for the API and sundiald.toml.
  std::string owner;
};

struct ScheduleRecord {
  ScheduleSpec spec;
  ScheduleState state;
};

// Why a run happened.
enum class RunTrigger : uint8_t { kSchedule, kCatchUp, kManual };
std::string_view run_trigger_name(RunTrigger t);

// One entry of the run log, as stored.
struct ScheduleRun {
  uint64_t seq = 0;
  TimeMs nominal_time = 0;
  TimeMs started_at = 0;  // when it fired
  std::string target_id;  // the instance or task it made or found (empty: none)
  std::string fired;      // "started", "enqueued", "signalled", "skipped", "error"
  std::string error;      // with "error": why the action was refused
  RunTrigger trigger = RunTrigger::kSchedule;
};

namespace schedule_keys {
std::string record(std::string_view id);
inline constexpr std::string_view kRecordPrefix = "s";
// Every run of `id`: [runs_begin, runs_end).
std::string run(std::string_view id, uint64_t seq);
std::string runs_begin(std::string_view id);
std::string runs_end(std::string_view id);
std::optional<uint64_t> run_seq(std::string_view key);
}  // namespace schedule_keys

std::string encode_schedule(const ScheduleRecord& r);
// corruption when the bytes are not a schedule record.
Result<ScheduleRecord> decode_schedule(std::string_view bytes);
std::string encode_schedule_run(const ScheduleRun& run);
Result<ScheduleRun> decode_schedule_run(std::string_view key, std::string_view bytes);

}  // namespace sundial
