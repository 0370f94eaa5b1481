// LiveInstance: an instance held in memory by the Runtime: its record, its
// journal and workflow coroutine (inside Context), and bookkeeping about
// what is persisted. Instances that wait (sleep, signal, pause) or finished
// are evicted once their transitions are durable, and reloaded and replayed
// on their next event, so memory holds only instances that are doing work —
// and, up to a cap, those whose timer is due within seconds (WarmOptions).
//
// Threading: loop thread only. Ownership: owned by Runtime's map.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/model/instance.h"
#include "engine/runtime/context.h"
#include "engine/runtime/workflow.h"

namespace sundial {

struct LiveInstance {
  InstanceRecord record;
  std::unique_ptr<Context> ctx;
  Workflow<void> root;  // invalid until the workflow first runs
  uint64_t epoch = 0;   // identity of this incarnation, for async completions
  bool step_running = false;
  uint32_t in_flight = 0;  // transitions submitted and not yet durable
  uint32_t pins = 0;       // callers running against it right after its load

  // What storage holds, so index keys can be replaced precisely.
  bool persisted = false;
  InstanceStatus indexed_status = InstanceStatus::kRunning;
  TimeMs indexed_finished_at = 0;
  std::string indexed_version;
  std::string indexed_slot_key;  // its `C` index key, empty for none

  // Whether a row for record.timer_due exists in the `timers` column family.
  bool timer_row() const { return has_timer_row(record); }
};

}  // namespace sundial
