// TaskServiceOptions: the task queues' settings an engine opens with
// (engine/options.h). Threading: plain value.
#pragma once

#include "engine/base/clock.h"
#include "engine/tasks/ready_window.h"

namespace sundial {

struct TaskServiceOptions {
  ReadyWindowOptions window;
  // Default: 60 s. The longest a claim may wait.
  DurationMs max_claim_wait = kMinuteMs;
  // Default: 10,000. Tasks queued behind a concurrency key whose records
  // stay in memory, so their admission reads nothing (a key's coalescing
  // follow-up stays whatever the count).
  size_t max_kept_waiters = 10'000;
};

}  // namespace sundial
