// The record_ops building blocks (engine/transitions/record_ops.h) for an
// instance in memory: appending an entry also hands it to the workflow's
// Context, and writing the instance replaces exactly the index keys whose
// values changed since storage last held it (LiveInstance's bookkeeping).
//
// Threading: loop thread; touches only the LiveInstance and the Transition.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime/live_instance.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

// append_entry on the record, then the Context (if the instance has one).
// Returns the entry's seq.
uint32_t append_entry(LiveInstance& inst, Transition& tx, JournalEntry entry);

// Puts the record and replaces changed index keys. Runtime::commit calls it
// once per transition. Free text (last_error, cancel_reason) gets invalid
// bytes replaced; anything else that cannot be stored is a bug, logged and
// repaired in the record itself, so memory and disk agree.
void write_instance(LiveInstance& inst, Transition& tx);

// Ends the storage life of a finished run whose id runs again: its record
// is kept under keys::past_run_key, its index keys go (as storage holds
// them), and the run kPastRunsKept before it (record and journal) is
// deleted. Afterwards `inst` counts as not persisted, so the next
// write_instance writes every index key of the new run.
// REQUIRES: the run finished.
void retire_run(LiveInstance& inst, Transition& tx);

// The instance's `C` index key (its place under its concurrency key), or
// empty when it has none.
std::string slot_index_key_of(const InstanceRecord& r);

}  // namespace sundial
