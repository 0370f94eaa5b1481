// EngineEvent: a notable change of an instance, delivered to in-process
// subscribers after its transition is durable and appended to the capped
// `events` column family under an increasing sequence number (the HTTP
// server streams them as Server-Sent Events, resumable by sequence).
//
// Threading: plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"

namespace sundial {

enum class EventType : uint8_t {
  kInstanceStarted,
  kStepCompleted,
  kStepFailed,  // one attempt failed (detail says whether it will be retried)
  kTimerFired,
  kSignalReceived,
  kPaused,
  kResumed,
  kRetried,
  kCompleted,
  kFailed,
  kCancelled,
  kQueued,     // name = the concurrency key
  kAdmitted,   // name = the concurrency key
  kCoalesced,  // name = the concurrency key; detail = the id the folded start asked for
  kDebounced,  // name = the concurrency key; detail = the id a folded start asked for
  kStepSkipped,  // name = the step; detail = the operator's reason
  kStepDeferred,  // name = the step; detail = when its send window opens
};

std::string_view event_type_name(EventType type);
std::optional<EventType> parse_event_type(std::string_view name);

struct EngineEvent {
  uint64_t seq = 0;
  TimeMs at = 0;
  EventType type = EventType::kInstanceStarted;
  std::string instance_id;
  std::string workflow_type;
  std::string name;    // step or signal name, when the event has one
  std::string detail;  // error message, cancel reason or resume policy
};

}  // namespace sundial
