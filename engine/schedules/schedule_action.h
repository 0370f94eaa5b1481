// What one fire of a schedule does (docs/schedules.md, "Actions" and
// "Overlap"): starts a workflow, enqueues a task or sends a signal, through
// the engine's own commands, so a fire is exactly a start, an enqueue or a
// signal made by a client.
//
// Each fire is idempotent: its instance or task id is derived from the
// schedule id and the nominal fire time (fire_target_id), and a signal
// carries an idempotency key made the same way; firing a nominal time
// again (after a kill -9 between the fire and the schedule's own write)
// finds what the first fire made and makes nothing.
//
// Overlap rides on concurrency keys (engine/flow/key_slots.h): the runs
// of a schedule share the key "sundial:schedule:<id>" with limit 1;
// `skip` drops a start while the key is held, `queue` queues it, `allow`
// uses no key; `cancel_previous` cancels the previous fire's target first.
//
// Threading: loop thread. Ownership: borrows the Engine.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/schedules/schedule_spec.h"
#include "engine/transitions/commands.h"

namespace sundial {

class Engine;

// "nightly@20261201T030000Z" (".123" before the Z when the time has
// milliseconds: a manual trigger's).
std::string fire_target_id(std::string_view schedule_id, TimeMs nominal);
// The concurrency key the runs of a schedule share for its overlap policy.
std::string overlap_key(std::string_view schedule_id);

struct FireOutcome {
  std::string target_id;  // what the fire made or found; empty when it made nothing
  // "started", "queued" (waits for an earlier run), "enqueued",
  // "signalled", "skipped" (an earlier run still holds the key), "error".
  std::string fired;
  std::string error;  // with "error": why the engine refused the action
};

// Fires `spec`'s action for `nominal`. `previous_target`: the target of
// the schedule's last fire (cancel_previous cancels it). The reply is an
// error only when the engine cannot take commands now (unavailable,
// storage_unavailable): the fire should be tried again later; a refused
// action (an unknown type, a signal to no instance) is an outcome "error".
void fire_schedule_action(Engine& engine, const ScheduleSpec& spec, TimeMs nominal,
                          const std::string& previous_target, Reply<FireOutcome> reply);

}  // namespace sundial
