// Which send window a step starts in (engine/schedules/send_window.h), and
// when it may start: the rule the Runtime applies each time a step is
// about to run (first attempt, a retry, after a restart or a resume).
//
// The window of a step is, in order: the one the step names
// (AwaitRequest::window; false names none), the start's own
// (InstanceRecord::send_window), the type's ([workflows.<type>]
// send_window). The zone is the one the instance's input names at the
// window's timezone_from, else the window's own.
//
// Threading: pure functions (the loop calls them; zones are warmed at
// start-up, so no file is read).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/runtime/context.h"
#include "engine/schedules/send_window.h"

namespace sundial {

// A step held until its window opens.
struct StepDeferral {
  TimeMs opens_at = 0;
  nlohmann::json data;  // the journal entry's: {"window", "timezone", "note"?}
  std::string detail;   // the event's: "until 2026-03-30 09:00 Europe/Paris (Mon-Fri 09:00-18:00)"
};

// The window that governs the step `req` of instance `r`; nullopt for
// none. invalid_argument when the step names a window that does not parse
// or is not defined.
Result<std::optional<SendWindow>> step_window(const SendWindowCatalog& catalog, const InstanceRecord& r,
                                              const AwaitRequest& req);

// nullopt when the step may start at `now`; else when it may.
Result<std::optional<StepDeferral>> step_deferral(const SendWindowCatalog& catalog, const InstanceRecord& r,
                                                  const AwaitRequest& req, TimeMs now);

}  // namespace sundial
