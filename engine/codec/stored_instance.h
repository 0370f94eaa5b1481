// Reading one instance back from storage: its record and its whole journal,
// decoded and checked against each other (entries numbered 0..n-1 without a
// gap, the first one kStarted, as many as the record's next_seq). This is
// what the Runtime loads before it replays a cold instance.
//
// Threading: any thread (it only reads the Store); the Runtime calls it on
// the WorkPool, never on the loop.
#pragma once

#include <string>
#include <vector>

#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/storage/store.h"

namespace sundial {

struct StoredInstance {
  InstanceRecord record;
  std::vector<JournalEntry> journal;  // entry i has seq i
};

// The latest run of `id`. not_found when no record exists; corruption when the record or the
// journal cannot be decoded or they disagree.
Result<StoredInstance> read_stored_instance(Store& store, const std::string& id);

// The journal of run `run` of `id` in order; corruption at the first
// entry that does not decode or breaks the numbering.
Result<std::vector<JournalEntry>> read_journal(Store& store, const std::string& id, uint32_t run);

}  // namespace sundial
