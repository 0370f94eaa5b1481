// What an instance's pending timer is for, read from its describe answer
// (GET /api/v1/instances/{id}, or the same JSON from --data-dir): an
// instance has at most one timer, and its await state says which kind —
// a durable sleep's end, a signal wait's timeout, a failed step's retry,
// or a debounced start's arrival. `timers ID` and `timers -o wide` print
// it; no route of its own is needed.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"

namespace sundial::ctl {

struct InstanceTimer {
  // "sleep", "signal-timeout" (the journal's names for those timers),
  // "step-retry" or "debounce".
  std::string kind;
  TimeMs due = 0;
  // "step charge, attempt 3", "signals go, stop", "the start runs unless
  // another comes first"; with "; held while paused" for a paused instance.
  std::string detail;
  // Paused: the due time is kept but nothing fires until resume (which
  // moves it by the pause with --policy shift).
  bool held = false;
};

// The instance's pending timer; none for a finished instance or one with
// no timer.
std::optional<InstanceTimer> instance_timer(const nlohmann::json& describe);
// "go, stop": the names of a JSON array (signals waited for), comma-separated.
std::string comma_list(const nlohmann::json& names);
// The timers ID answer for -o json: {"instance_id","status","timers":[{
// "instance_id","kind","due_at","detail","held"}]} (empty when none).
nlohmann::json instance_timers_json(const nlohmann::json& describe);

}  // namespace sundial::ctl
