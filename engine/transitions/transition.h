// Transition: everything one command changes, gathered while the command is
// applied and released only after it is durable (STYLE.md: collect effects,
// commit once, then release). Commands fill it; Runtime::commit() writes
// the instance record and indexes into `batch`, hands it to the commit queue
// and, once durable, arms `timers_to_arm`, publishes `events` and runs
// `on_done` in order (replies first, then effects). On a failed commit only
// `on_done` runs, with the error; nothing else is released.
//
// Threading: loop thread; a value owned by the command that builds it.
#pragma once

#include <functional>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/model/event.h"
#include "engine/storage/batch.h"
#include "engine/storage/keys.h"

namespace sundial {

struct Transition {
  explicit Transition(TimeMs at) : now(at) {}

  TimeMs now;  // the clock reading that stamps every entry of this transition
  Batch batch;
  std::vector<keys::TimerKey> timers_to_arm;
  std::vector<EngineEvent> events;  // seq assigned by the event log at commit
  std::vector<std::move_only_function<void(const Result<void>&)>> on_done;
  // Synchronous steps this transition may still run inside itself, their
  // results committed with it. Zero for commands (a start or signal
  // answers without running step code first); the runtime gives timer
  // fires and step completions a budget.
  uint32_t inline_step_budget = 0;

  // Runs `fn` after a successful commit only.
  template <typename F>
  void after_commit(F&& fn) {
    on_done.push_back([fn = std::forward<F>(fn)](const Result<void>& r) mutable {
      if (r) fn();
    });
  }
};

}  // namespace sundial
