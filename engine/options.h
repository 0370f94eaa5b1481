// EngineOptions: every engine setting with its default. The server's
// config file maps onto these (docs list them); none changes at runtime.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/audit/audit_log.h"
#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/retention/retention_sweep.h"
#include "engine/runtime/warm_options.h"
#include "engine/schedules/schedule_options.h"
#include "engine/schedules/send_window.h"
#include "engine/storage/rocksdb_store.h"
#include "engine/tasks/task_options.h"
#include "engine/timers/timer_window.h"
#include "engine/topics/topic_options.h"

namespace sundial {

class Engine;

struct EngineOptions {
  // Default: "./sundial-data". The RocksDB directory; created if missing.
  std::string data_dir = "./sundial-data";
  // Default: 24h. How long a start's idempotency key answers with the first result.
  DurationMs idempotency_window = 24 * kHourMs;
  // Default: 100000. Events kept for SSE clients that reconnect.
  uint64_t event_log_capacity = 100000;
  // Retention of finished instances and the sweep that enforces it.
  RetentionOptions retention;
  // How long and how many audit entries are kept ([audit]).
  AuditOptions audit;
  // How long the event bus keeps each topic's events ([topics]).
  TopicOptions topics;
  // The in-memory timer window.
  TimerWindowOptions timers;
  // Waiting instances kept in memory because their timer is near.
  WarmOptions warm;
  // Default: 2. Threads that run steps written with Context::step_blocking.
  size_t blocking_step_threads = 2;
  // Default: 2. Threads that serve admin reads (describe, list, history,
  // timers, stats, the SSE backlog) and the retention sweep's plan, at
  // background priority: under load they yield the CPU to the loop.
  size_t query_threads = 2;
  // RocksDB tuning (the path is data_dir).
  RocksDbOptions storage;
  // The task queues' memory bounds and longest claim wait.
  TaskServiceOptions tasks;
  // The schedules' run-log length and count cap.
  ScheduleServiceOptions schedules;
  // Default: none. Named send windows and each workflow type's own
  // ([send_windows.<name>], [workflows.<type>] send_window): a step that
  // comes due outside its window waits for the next opening.
  SendWindowCatalog send_windows;
  // Runs while the engine opens, once storage is open and before recovery
  // resumes the running instances: what registers workflow types kept in
  // storage (the Lua script catalog, workflows/lua/catalog.h) goes here,
  // so no recovered instance finds its type missing. An error stops the
  // open. Default: none.
  std::function<Result<void>(Engine&)> before_recovery;
};

}  // namespace sundial
