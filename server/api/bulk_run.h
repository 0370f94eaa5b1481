// BulkRun: one steering command (pause, resume, cancel, retry) applied to
// every instance that matches a filter — POST /api/v1/instances:<verb>
// (bulk_routes.cc). It pages through the instances with Engine::list (each
// page read on the query pool from a snapshot) one status the verb applies
// to at a time, and sends the command to at most kBulkInFlight instances at
// once, so the loop stays free and the commit queue groups the writes. An
// instance changed by the run leaves the status being read, and index keys
// sort by creation time, so a page never meets an instance twice.
//
// `matched` counts the instances that matched when they were read. Each
// command applies only to the instance as it was read (Engine::steer, same
// status and run): one that moved on in between is left alone and counted
// `refused` (with its error, up to kBulkErrorSamples of them), so matched
// == changed + refused at the end. Instances started after a page was
// read may or may not be met, as with any paged read.
//
// Threading: loop thread only. Ownership: run_bulk keeps its own state
// alive until `done` has run; the Engine must outlive it (it answers every
// query and command before it goes).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/error.h"
#include "engine/engine.h"

namespace sundial::api {

enum class BulkVerb { kPause, kResume, kCancel, kRetry };

std::optional<BulkVerb> parse_bulk_verb(std::string_view name);
std::string_view bulk_verb_name(BulkVerb verb);
// The statuses an instance can be in for `verb` to change it.
std::vector<InstanceStatus> bulk_statuses(BulkVerb verb);

struct BulkFilter {
  std::optional<std::string> type;
  std::optional<InstanceStatus> status;
  std::string id_prefix;
};

struct BulkRequest {
  BulkVerb verb = BulkVerb::kPause;
  BulkFilter filter;
  bool dry_run = false;
  ResumePolicy policy = ResumePolicy::kShift;  // resume and retry
  std::string reason;                          // cancel
};

struct BulkOutcome {
  uint64_t matched = 0;
  uint64_t changed = 0;
  uint64_t refused = 0;
  std::vector<std::pair<std::string, Error>> errors;  // the first kBulkErrorSamples refusals
};

inline constexpr size_t kBulkInFlight = 32;
inline constexpr size_t kBulkPageSize = 500;
inline constexpr size_t kBulkErrorSamples = 20;

// invalid_argument when the filter's status is one `verb` never changes.
Result<void> check_bulk(const BulkRequest& request);

// Runs `request` (check_bulk first). `done` gets the outcome, or the error
// that stopped the run (a failed read), which says how far it got.
void run_bulk(Engine& engine, BulkRequest request, std::move_only_function<void(Result<BulkOutcome>)> done);

}  // namespace sundial::api
