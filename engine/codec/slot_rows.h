// The stored rows of concurrency keys (keys::slot_index_key): one per
// instance or task that holds or waits for a key's slot, in the `index`
// column family, written in the batch that changes its record. What both
// the workflow runtime and the task queues read back: every row of a
// space at recovery (to rebuild their KeySlots), and a waiter's place
// among its key's waiters (for `position` in describe answers).
//
// Threading: pure functions over a Store (any thread; the recovery and
// query reads run on the work pools).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "engine/model/concurrency.h"
#include "engine/storage/keys.h"
#include "engine/storage/store.h"

namespace sundial {

// The value of a row: the limit its start or enqueue asked for.
std::string slot_row_value(uint32_t limit);
// The row of `entry` in `space`.
std::string slot_row_key(const SlotEntry& entry, keys::SlotSpace space);
// Every row of `space`; corruption when one cannot be read.
Result<std::vector<SlotEntry>> read_slot_rows(Store& store, keys::SlotSpace space);
// 1-based place of the waiter that arrived as `seq` among the waiters of
// `key` (the rows queued ahead of it, plus one).
Result<size_t> slot_position(Store& store, keys::SlotSpace space, std::string_view key, uint64_t seq);

}  // namespace sundial
