// Read-only queries over storage: describe, list (through the index),
// history, pending timers, stats. They read only durable state, so what
// they show has been acknowledged. Used by Engine and, on a data directory
// opened read-only, by sundialctl --data-dir.
//
// Threading: any thread (they only read the Store).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/storage/keys.h"
#include "engine/storage/store.h"
#include "engine/transitions/commands.h"

namespace sundial {

// Keys one page may read while a filter the index cannot narrow (an id
// prefix within a status or type, a creation time without one) skips
// them: past it the page ends early with a cursor, so a request's work is
// bounded however few keys match.
constexpr size_t kMaxListScannedKeys = 20000;

struct ListQuery {
  std::optional<InstanceStatus> status = std::nullopt;
  std::optional<std::string> type = std::nullopt;
  // Only ids that start with it (empty: any).
  std::string id_prefix = {};
  // Only instances whose latest run has this search attribute
  // (engine/model/search_attributes.h); the listing is then in id order,
  // the other filters applied to each record.
  std::optional<SearchAttribute> attr = std::nullopt;
  // Only instances created strictly after / before these times.
  std::optional<TimeMs> created_after = std::nullopt;
  std::optional<TimeMs> created_before = std::nullopt;
  // Newest first (by creation time; by id, descending, without a status or
  // type).
  bool newest_first = false;
  // Default: 50, at most 1000.
  size_t limit = 50;
  // From a previous page's next_cursor; empty for the first page.
  std::string cursor = {};
  // Keys one page may read (kMaxListScannedKeys; tests make it small).
  size_t max_scanned = kMaxListScannedKeys;
};

struct ListPage {
  std::vector<InstanceRecord> instances;  // in the query's order
  std::string next_cursor;                // empty on the last page
};

struct InstanceStats {
  std::vector<std::pair<InstanceStatus, uint64_t>> by_status;
  // Per workflow type, its non-zero counts by status; types in byte order.
  std::vector<std::pair<std::string, std::vector<std::pair<InstanceStatus, uint64_t>>>> by_type;
  uint64_t pending_timers = 0;
  std::optional<TimeMs> next_due;
};

constexpr size_t kMaxListLimit = 1000;

// One run's journal (instance_history).
struct RunHistory {
  uint32_t run = 1;
  std::vector<JournalEntry> entries;
};

// The latest run of `id`, or with `run`, that run: an earlier one is
// read from its kept record (not_found once it was pruned, see
// kPastRunsKept); a later one does not exist.
Result<InstanceRecord> describe_instance(Store& store, const std::string& id,
                                         std::optional<uint32_t> run = std::nullopt);
// Describe as the API shows it: record_to_json, plus a queued instance's
// place in its key's queue (`concurrency.position`), a debouncing run's
// `concurrency.debounce_until`, and the ids of its attached children
// (`children`, at most kMaxListedChildren, when it has any).
Result<nlohmann::json> describe_json(Store& store, const std::string& id,
                                     std::optional<uint32_t> run = std::nullopt);
inline constexpr size_t kMaxListedChildren = 100;
// A queued instance's 1-based place among its concurrency key's waiters
// (0 for an instance that does not wait); reads the key's `C` rows ahead.
Result<size_t> queue_position(Store& store, const InstanceRecord& r);
Result<ListPage> list_instances(Store& store, const ListQuery& query);
// The journal of the latest run of `id`, or of run `run`.
Result<RunHistory> instance_history(Store& store, const std::string& id,
                                    std::optional<uint32_t> run = std::nullopt);
// Pending timers due before `due_before` (0 = any time), soonest first.
Result<std::vector<keys::TimerKey>> pending_timers(Store& store, TimeMs due_before, size_t limit);
// Counts by scanning the indexes: O(instances); for inspection, not hot paths.
Result<InstanceStats> instance_stats(Store& store);

// The API's JSON views, shared by the HTTP API and sundialctl --data-dir so
// both show the same thing.
nlohmann::json record_to_json(const InstanceRecord& record);
// The answer to a start: instance_id, status, created, and `coalesced` or
// `dropped` when its concurrency key was busy.
nlohmann::json start_reply_to_json(const StartReply& reply);
// {"instances": [...], "next_cursor": "..." | null}
nlohmann::json list_page_to_json(const ListPage& page);
// {"instance_id": id, "run": n, "entries": [...]}
nlohmann::json history_to_json(const std::string& id, const RunHistory& history);
// {"timers": [{"instance_id", "due_at"}]}
nlohmann::json timers_to_json(const std::vector<keys::TimerKey>& timers);
// {"instances": {status: count}, "by_type": {type: {status: count}},
//  "pending_timers": n, "next_due_at": ms | null}
nlohmann::json stats_to_json(const InstanceStats& stats);

}  // namespace sundial
