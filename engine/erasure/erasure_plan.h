// What an erasure deletes (issue 22: "erase everything about a person"):
// the instances whose latest run has a search attribute, each with every
// row that holds its data — its record and earlier runs, every journal,
// its timer, its index rows, its idempotency keys (start and signal keys
// that name it), its outbox notices, its child links and the retained
// engine events about it; and the audit entries that name it (or hold the
// attribute's value) keep everything but that (`target` becomes "(erased)").
//
// plan_erasure() reads one consistent state (a store snapshot, on a pool
// thread); stage_erasure() turns one target into deletes (pure).
//
// Threading: plan_erasure on a pool thread against a snapshot;
// stage_erasure anywhere. Ownership: plain values.
#pragma once

#include <string>
#include <string_view>
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
// What an audit entry shows as the target of an erased instance.
inline constexpr std::string_view kErasedTarget = "(erased)";

struct ErasureTarget {
  InstanceRecord record;                                   // the latest run, as read
  std::vector<std::string> index_rows;                     // its earlier runs' records and child links
  size_t notices = 0;  // outbox notices it still owes (a child's end, a cancel of its children)
  std::vector<std::pair<std::string, TimeMs>> idempotency;  // keys naming it, with their expiry
  std::vector<std::string> event_rows;                     // retained engine events about it
  // Audit entries whose target is its id, with that target redacted
  // (key → the entry's new value): the record of who did what stays.
  std::vector<std::pair<std::string, std::string>> audit_rewrites;
};

struct ErasurePlan {
  std::vector<ErasureTarget> targets;  // in id order
  bool more = false;                   // more instances match than one request takes
};

// What plan_erasure reads.
enum class PlanDepth {
  kRecords,     // the targets' records only (a dry run, the cancels)
  kEverything,  // and every row each holds: scans the idempotency keys, the
                // event log and the audit log once for all targets
};

// The instances `attr` finds (at most `limit`), read from `store` (a
// snapshot: one state).
Result<ErasurePlan> plan_erasure(Store& store, const SearchAttribute& attr, PlanDepth depth,
                                 size_t limit = kMaxErasedPerRequest);

// Adds to `batch` the deletes of everything `target` lists.
void stage_erasure(const ErasureTarget& target, Batch& batch);

}  // namespace sundial
