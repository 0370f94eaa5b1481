// The building blocks every command uses to change a LiveInstance inside a
// Transition: append a journal entry, set or clear its one timer, record an
// event, write the record with its index keys. Keeping them here makes every
// command change storage the same way.
//
// Threading: loop thread; pure with respect to engine services (they only
// touch the LiveInstance and the Transition).
#pragma once

#include <string>

#include "engine/model/event.h"
#include "engine/model/journal_entry.h"
#include "engine/runtime/live_instance.h"
#include "engine/transitions/transition.h"

namespace sundial {

// Stamps `entry` with the next seq and tx.now, puts it, and gives it to the
// workflow's Context. Returns the seq.
uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry);

// Replaces the instance's pending timer with one due at `due`.
void set_timer(LiveInstance& inst, Transition& tx, TimeMs due);
// Removes the pending timer, if any.
void clear_timer(LiveInstance& inst, Transition& tx);

void add_event(const LiveInstance& inst, Transition& tx, EventType type, std::string name = {},
               std::string detail = {});

// Moves the instance to `status`, stamping finished_at for final statuses.
void set_status(LiveInstance& inst, Transition& tx, InstanceStatus status);

// Ends a signal wait that a signal satisfied: the wait's timeout timer
// goes, and the instance runs again.
void end_signal_wait(LiveInstance& inst, Transition& tx);

// Puts the record and replaces changed index keys. Runtime::commit calls it
// once per transition.
void write_instance(LiveInstance& inst, Transition& tx);

}  // namespace sundial
