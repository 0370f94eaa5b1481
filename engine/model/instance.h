// InstanceRecord: one workflow instance as stored in the `instances` column
// family, and the lifecycle vocabulary (InstanceStatus, what it awaits).
//
// Threading: plain value. The engine's loop thread owns the live copies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/model/concurrency.h"
#include "engine/model/search_attributes.h"

namespace sundial {

// The lifecycle of an instance. The numeric values are stored in index keys:
// never renumber.
enum class InstanceStatus : uint8_t {
  kRunning = 1,  // executing workflow code or a step (including a step's retry backoff)
  kWaiting = 2,  // in a durable sleep, waiting for a signal, or a step waiting for its send window
  kPaused = 3,   // timers held, nothing runs until resume
  kCompleted = 4,
  kFailed = 5,  // a step failed for good or the workflow code failed; `retry` resumes it
  kCancelled = 6,
  // Started with a concurrency key whose slots were all taken: its input
  // and kStarted entry are stored, its code has not run (engine/flow/).
  kQueued = 7,
};

std::string_view status_name(InstanceStatus status);
std::optional<InstanceStatus> parse_status(std::string_view name);
bool is_finished(InstanceStatus status);
inline constexpr InstanceStatus kAllStatuses[] = {
    InstanceStatus::kQueued,    InstanceStatus::kRunning, InstanceStatus::kWaiting,  InstanceStatus::kPaused,
    InstanceStatus::kCompleted, InstanceStatus::kFailed,  InstanceStatus::kCancelled};

// What the workflow coroutine is suspended on.
enum class AwaitKind : uint8_t { kNone = 0, kStep = 1, kSleep = 2, kSignal = 3 };

struct InstanceRecord {
  std::string id;
  std::string type;
  // The workflow type's version this instance runs (a Lua script's sha256
  // hex); empty for built-in types and for instances started before
  // versions were recorded (they run the type's current version).
  std::string version;
  nlohmann::json input;
  // What the workflow returned (a Lua script's `run`); null until it
  // completes, and for workflows that return nothing.
  nlohmann::json result;
  InstanceStatus status = InstanceStatus::kRunning;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  TimeMs finished_at = 0;  // 0 while not finished
  uint32_t next_seq = 0;   // the journal holds entries [0, next_seq)
  // Which run of the id this is: 1 for the first; an id started again
  // after it finished (id_reuse) begins run 2 with an empty journal, and
  // the earlier runs' records are kept apart (keys::past_run_key).
  uint32_t run = 1;

  AwaitKind await_kind = AwaitKind::kNone;
  std::string step_name;                  // kStep: the step being run
  uint32_t attempt = 0;                   // kStep: attempts made so far
  std::vector<std::string> wait_signals;  // kSignal: any of these ends the wait
  // Due time of the instance's one pending timer (sleep end, signal-wait
  // timeout or step retry), 0 for none. While paused the timer row is removed
  // from the `timers` column family and this keeps its due time for resume.
  TimeMs timer_due = 0;

  TimeMs paused_at = 0;                                           // kPaused only
  InstanceStatus status_before_pause = InstanceStatus::kRunning;  // kPaused only

  std::string last_error;
  std::string cancel_reason;
  std::string idempotency_key;  // empty when the start had none

  // The start's concurrency key (engine/flow/): the instance holds one of
  // the key's slots from its admission until it finishes, or waits for
  // one (kQueued) at place `queue_seq` of the key's arrival order.
  std::optional<ConcurrencySpec> concurrency;
  uint64_t queue_seq = 0;

  // Started by another instance (Context::start_child): its id and run.
  // Unless detached, the parent gets the signal "child:<id>" when this
  // instance ends (engine/runtime/outbox.h).
  std::string parent_id;
  uint32_t parent_run = 0;
  bool detached = false;

  // The start's own send window (engine/schedules/send_window.h, JSON
  // form; null for none): its steps start only inside it, unless a step
  // names another. Without one the type's window applies, if any.
  nlohmann::json send_window;

  // The type's search attributes, taken from the input at start
  // (engine/model/search_attributes.h), sorted; indexed while this run is
  // the id's latest (keys::attr_index_key).
  std::vector<SearchAttribute> search_attributes;
};

// Where the instance stands under its concurrency key: waiting while
// queued, holding a slot until it finishes, else none.
inline SlotState slot_state(const InstanceRecord& r) {
  if (!r.concurrency || is_finished(r.status)) return SlotState::kNone;
  if (r.status != InstanceStatus::kQueued) return SlotState::kHolding;
  // A queued run with a timer is a debounced one whose quiet period runs.
  return r.timer_due != 0 ? SlotState::kDebouncing : SlotState::kQueued;
}

// How many finished runs before the latest keep their record and journal;
// starting run N deletes run N - kPastRunsKept - 1 (engine/runtime/live_ops.h).
inline constexpr uint32_t kPastRunsKept = 20;

// The id that names this run for what must differ from run to run and
// stay fixed within one (step idempotency keys, task ids, the seed of
// Context::random): the id for run 1, "<id>#<run>" after ('#' never
// occurs in an id).
inline std::string run_scoped_id(std::string_view id, uint32_t run) {
  std::string out(id);
  if (run > 1) out += "#" + std::to_string(run);
  return out;
}

// A child its parent's cancel cancels (keys::child_key lists it).
inline bool is_attached_child(const InstanceRecord& r) { return !r.parent_id.empty() && !r.detached; }

// Whether a row for record.timer_due exists in the `timers` column family
// (none while paused or finished: the record keeps the due time alone).
inline bool has_timer_row(const InstanceRecord& r) {
  return r.timer_due != 0 && r.status != InstanceStatus::kPaused && !is_finished(r.status);
}

// Whether the instance may still run code of its recorded version: every
// status but completed and cancelled (a failed one can be retried), for
// versioned types only. Such instances are in the version index
// (keys::version_index_key), which keeps their script versions stored.
inline bool holds_version(const InstanceRecord& r) {
  return !r.version.empty() && r.status != InstanceStatus::kCompleted &&
         r.status != InstanceStatus::kCancelled;
}

}  // namespace sundial
