#include "engine/model/event.h"

#include <array>
#include <utility>

namespace sundial {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 17> kEventTypeNames{{
    {EventType::kInstanceStarted, "instance_started"},
    {EventType::kStepCompleted, "step_completed"},
    {EventType::kStepFailed, "step_failed"},
    {EventType::kTimerFired, "timer_fired"},
    {EventType::kSignalReceived, "signal_received"},
    {EventType::kPaused, "paused"},
    {EventType::kResumed, "resumed"},
    {EventType::kRetried, "retried"},
    {EventType::kCompleted, "completed"},
    {EventType::kFailed, "failed"},
    {EventType::kCancelled, "cancelled"},
    {EventType::kQueued, "queued"},
    {EventType::kAdmitted, "admitted"},
    {EventType::kCoalesced, "coalesced"},
    {EventType::kDebounced, "debounced"},
    {EventType::kStepSkipped, "step_skipped"},
    {EventType::kStepDeferred, "step_deferred"},
}};

}  // namespace

std::string_view event_type_name(EventType type) {
  for (const auto& [t, name] : kEventTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (const auto& [t, n] : kEventTypeNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

}  // namespace sundial
