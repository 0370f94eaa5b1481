// What an erasure deletes (issue 22: "erase everything about a person"):
// the instances whose latest run has a search attribute, each with every
// row that holds its data — its record and earlier runs, every journal,
// its timer, its index rows, its idempotency keys (start and signal keys
// that name it), its outbox notices, its child links and the retained
// engine events about it.
//
// plan_erasure() reads one consistent state (a store snapshot, on a pool
// thread); stage_erasure() turns one target into deletes (pure).
//
// Threading: plan_erasure on a pool thread against a snapshot;
// stage_erasure anywhere. Ownership: plain values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/model/search_attributes.h"
#include "engine/storage/batch.h"
#include "engine/storage/store.h"

namespace sundial {

// At most this many instances per erasure request; the answer says when
// there are more (the caller repeats it).
inline constexpr size_t kMaxErasedPerRequest = 1000;

struct ErasureTarget {
  InstanceRecord record;                                   // the latest run, as read
  std::vector<uint32_t> past_runs;                         // earlier runs still kept
  std::vector<std::string> index_rows;                     // outbox notices and child links it owns
  std::vector<std::pair<std::string, TimeMs>> idempotency;  // keys naming it, with their expiry
  std::vector<std::string> event_rows;                     // retained engine events about it
};

struct ErasurePlan {
  std::vector<ErasureTarget> targets;  // in id order
  bool more = false;                   // more instances match than one request takes
};

// The instances `attr` finds (at most `limit`) and everything each holds,
// read from `store` (a snapshot: one state). Scans the idempotency keys
// and the event log once for all targets.
Result<ErasurePlan> plan_erasure(Store& store, const SearchAttribute& attr, size_t limit = kMaxErasedPerRequest);

// Adds to `batch` the deletes of everything `target` lists.
void stage_erasure(const ErasureTarget& target, Batch& batch);

}  // namespace sundial
