// The building blocks that change an instance inside a Transition: append
// a journal entry, set or clear its one timer, record an event, move it to
// another status. They work on an InstanceRecord and a Transition only (no
// runtime, no I/O), so the pure decisions (decision.h) and the Runtime's
// own transitions (through engine/runtime/live_ops.h, which also feeds the
// workflow's Context) change storage the same way.
//
// Encode first, mutate after: a journal entry is encoded before anything
// changes, so bytes that cannot be stored (text that is not UTF-8, a value
// nested too deep) can never leave the in-memory journal and the disk out
// of step. Commands that take data from outside use prepare_entry and
// refuse what fails; append_entry, for entries the engine builds itself,
// never fails.
//
// Threading: any; pure functions of their arguments.
#pragma once

#include <string>

#include "engine/base/error.h"
#include "engine/model/event.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/transitions/decision.h"
#include "engine/transitions/transition.h"

namespace sundial {

// An entry stamped and encoded, ready to append.
struct PreparedEntry {
  JournalEntry entry;
  std::string bytes;
};

// Stamps `entry` with the record's next seq and `now` and encodes it,
// changing nothing. Error text is free text: invalid bytes in it become
// U+FFFD. A name or data that cannot be stored is invalid_argument.
Result<PreparedEntry> prepare_entry(const InstanceRecord& r, TimeMs now, JournalEntry entry);
// Puts a prepared entry into `tx` and advances next_seq. Returns the entry.
// REQUIRES: nothing was appended to `r` since prepare_entry.
JournalEntry append_prepared(InstanceRecord& r, Transition& tx, PreparedEntry prepared);
// prepare_entry + append_prepared, for entries the engine builds. Never
// fails: a name or data that cannot be stored (a bug — what comes from
// outside is checked first) is logged and stored repaired (storable_copy).
// Returns the entry as stored.
JournalEntry append_entry(InstanceRecord& r, Transition& tx, JournalEntry entry);

// Replaces the instance's pending timer with one due at `due`.
void set_timer(InstanceRecord& r, Transition& tx, TimeMs due);
// Removes the pending timer, if any.
void clear_timer(InstanceRecord& r, Transition& tx);

// Invalid bytes in `name` and `detail` become U+FFFD (events are messages).
void add_event(const InstanceRecord& r, Transition& tx, EventType type, std::string name = {},
               std::string detail = {});

// Queues an instance with a concurrency key at `place`: status queued,
// its kQueued entry (returned) and event.
JournalEntry wait_for_slot(InstanceRecord& r, Transition& tx, const QueuePlace& place);

// Moves the instance to `status`, stamping finished_at for final statuses.
void set_status(InstanceRecord& r, TimeMs now, InstanceStatus status);

// Ends a signal wait that a signal satisfied: the wait's timeout timer
// goes, and the instance runs again.
void end_signal_wait(InstanceRecord& r, Transition& tx);

// "instance 'x' is completed; <what>" (conflict): a command that the
// instance's status does not allow.
Error wrong_status(const InstanceRecord& r, std::string_view what);

}  // namespace sundial
