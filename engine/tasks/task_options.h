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
};

}  // namespace sundial
