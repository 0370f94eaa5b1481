// The building blocks every command uses to change a LiveInstance inside a
// Transition: append a journal entry, set or clear its one timer, record an
// event, write the record with its index keys. Keeping them here makes every
// command change storage the same way.
//
// Encode first, mutate after: a journal entry or record is encoded before
// anything in memory changes, so bytes that cannot be stored (text that is
// not UTF-8, a value nested too deep) can never leave the in-memory
// journal and the disk out of step. Commands that take data from outside
// use prepare_entry and refuse what fails; append_entry, for entries the
// engine builds itself, never fails.
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

// An entry stamped and encoded, ready to append.
struct PreparedEntry {
  JournalEntry entry;
  std::string bytes;
};

// Stamps `entry` with the next seq and tx.now and encodes it, changing
// nothing. Error text is free text: invalid bytes in it become U+FFFD. A
// name or data that cannot be stored is invalid_argument.
Result<PreparedEntry> prepare_entry(const LiveInstance& inst, const Transition& tx, JournalEntry entry);
// Puts a prepared entry and gives it to the workflow's Context. Returns the
// seq. REQUIRES: nothing was appended to `inst` since prepare_entry.
uint32_t append_prepared(LiveInstance& inst, Transition& tx, PreparedEntry prepared);
// prepare_entry + append_prepared, for entries the engine builds. Never
// fails: a name or data that cannot be stored (a bug — what comes from
// outside is checked first) is logged and stored repaired (storable_copy),
// in memory as on disk.
uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry);

// Replaces the instance's pending timer with one due at `due`.
void set_timer(LiveInstance& inst, Transition& tx, TimeMs due);
// Removes the pending timer, if any.
void clear_timer(LiveInstance& inst, Transition& tx);

// Invalid bytes in `name` and `detail` become U+FFFD (events are messages).
void add_event(const LiveInstance& inst, Transition& tx, EventType type, std::string name = {},
               std::string detail = {});

// Moves the instance to `status`, stamping finished_at for final statuses.
void set_status(LiveInstance& inst, Transition& tx, InstanceStatus status);

// Ends a signal wait that a signal satisfied: the wait's timeout timer
// goes, and the instance runs again.
void end_signal_wait(LiveInstance& inst, Transition& tx);

// Puts the record and replaces changed index keys. Runtime::commit calls it
// once per transition. Free text (last_error, cancel_reason) gets invalid
// bytes replaced; anything else that cannot be stored is a bug, logged and
// repaired in the record itself, so memory and disk agree.
void write_instance(LiveInstance& inst, Transition& tx);

}  // namespace sundial
