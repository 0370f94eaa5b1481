// JournalEntry: one record of an instance's history, stored in the `journal`
// column family under (instance id, seq).
//
// Some entries are *outcomes*: results the workflow coroutine consumes, in
// order, when it is replayed (a step's result, a fired timer, a delivered
// signal). Patch markers record which patched code paths an instance
// took (Context::patched). The others record what happened around it (started, paused,
// a failed attempt, an undelivered signal in the inbox) for the history and
// for replay's bookkeeping (signal visibility, pause shifts).
//
// Threading: plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"

namespace sundial {

// Stored by name in the journal's JSON; names are part of the history API.
enum class EntryKind : uint8_t {
  kStarted,            // data = input
  kStepCompleted,      // outcome. name, attempt, data = result
  kStepAttemptFailed,  // name, attempt, error, due = when the retry runs
  kStepFailed,         // name, attempt, error: the step gave up; the instance failed
  kTimerScheduled,     // name = "sleep" | "signal-timeout", due
  kTimerFired,         // outcome. due = the time the workflow asked for
  kSignalReceived,     // name, data = payload; outcome iff delivered
  kSignalDelivered,    // outcome. ref_seq = the kSignalReceived entry it delivers
  kPaused,
  kResumed,  // name = policy, shift_ms = how far the schedule moved
  kRetried,  // name = policy, shift_ms = how far the schedule moved
  kCancelled,  // error = reason
  kCompleted,
  kFailed,  // error
  // name = change id: the workflow took the patched path of ctx.patched()
  // (Context::patched). Not an outcome; replay looks for it by name.
  kPatch,
  // Concurrency keys (engine/flow/): name = the key. Not outcomes.
  kQueued,     // the key's slots were taken; data = {"position": n}
  kAdmitted,   // a slot freed up: the code runs from here
  kCoalesced,  // a later start folded into this queued run; data = its input, name = the id it asked for
  // A debounced start (concurrency.debounce): due = when the run arrives
  // (runs or queues) if no start comes before; for a later start folded
  // into the run, data = its input and name = the id it asked for.
  kDebounced,
  // The run ended by starting the next run of its id with data = its input
  // (Context::continue_as_new); the run counts as completed.
  kContinuedAsNew,
  // Outcome, like kStepCompleted: an operator skipped the step that failed
  // the instance (`skip`); name = the step, data = the result given in its
  // place, error = the operator's reason.
  kStepSkipped,
  // The step came due outside its send window (engine/schedules/send_window.h)
  // and waits for it: name = the step, due = when the window opens, data =
  // {"window", "timezone"} (and "note" when the input's zone was unusable).
  // Not an outcome.
  kStepDeferred,
};

std::string_view entry_kind_name(EntryKind kind);
std::optional<EntryKind> parse_entry_kind(std::string_view name);

struct JournalEntry {
  uint32_t seq = 0;
  TimeMs at = 0;  // clock time of the transition that wrote it
  EntryKind kind = EntryKind::kStarted;
  std::string name;
  uint32_t attempt = 0;
  nlohmann::json data;
  std::string error;
  TimeMs due = 0;
  uint32_t ref_seq = 0;
  bool delivered = false;  // kSignalReceived: a waiting workflow took it at once
  int64_t shift_ms = 0;

  // Whether replay feeds this entry to the workflow coroutine.
  bool is_outcome() const {
    return kind == EntryKind::kStepCompleted || kind == EntryKind::kStepSkipped || kind == EntryKind::kTimerFired ||
           kind == EntryKind::kSignalDelivered || (kind == EntryKind::kSignalReceived && delivered);
  }
};

}  // namespace sundial
