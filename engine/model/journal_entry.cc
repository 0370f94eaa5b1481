#include "engine/model/journal_entry.h"

#include <array>
#include <utility>

namespace sundial {
namespace {

constexpr std::array<std::pair<EntryKind, std::string_view>, 22> kEntryKindNames{{
    {EntryKind::kStarted, "started"},
    {EntryKind::kStepCompleted, "step_completed"},
    {EntryKind::kStepAttemptFailed, "step_attempt_failed"},
    {EntryKind::kStepFailed, "step_failed"},
    {EntryKind::kTimerScheduled, "timer_scheduled"},
    {EntryKind::kTimerFired, "timer_fired"},
    {EntryKind::kSignalReceived, "signal_received"},
    {EntryKind::kSignalDelivered, "signal_delivered"},
    {EntryKind::kPaused, "paused"},
    {EntryKind::kResumed, "resumed"},
    {EntryKind::kRetried, "retried"},
    {EntryKind::kCancelled, "cancelled"},
    {EntryKind::kCompleted, "completed"},
    {EntryKind::kFailed, "failed"},
    {EntryKind::kPatch, "patch"},
    {EntryKind::kQueued, "queued"},
    {EntryKind::kAdmitted, "admitted"},
    {EntryKind::kCoalesced, "coalesced"},
    {EntryKind::kDebounced, "debounced"},
    {EntryKind::kContinuedAsNew, "continued_as_new"},
    {EntryKind::kStepSkipped, "step_skipped"},
    {EntryKind::kStepDeferred, "step_deferred"},
}};

}  // namespace

std::string_view entry_kind_name(EntryKind kind) {
  for (const auto& [k, name] : kEntryKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<EntryKind> parse_entry_kind(std::string_view name) {
  for (const auto& [k, n] : kEntryKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace sundial
