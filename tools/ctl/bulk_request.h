// The bulk forms of pause, resume, cancel and retry (docs/cli.md, "Bulk
// commands"): the request that POST /api/v1/instances:{verb} takes, built
// from the command line, and the lines sundialctl prints about its answer
// ({"matched","changed","refused","errors":[{"instance_id","error"}]}).
// The handler that sends them is bulk_steer_verb (bulk_verbs.cc).
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "tools/ctl/ctl_args.h"

namespace sundial::ctl {

struct BulkRequest {
  std::string verb;                   // pause, resume, cancel or retry
  nlohmann::json filter;              // {"type"?, "status"?, "id_prefix"?}: at least one
  std::optional<std::string> policy;  // resume and retry: shift or fire
  std::optional<std::string> reason;  // cancel
  bool dry_run = false;               // --dry-run: ask how many, change nothing
  bool yes = false;                   // --yes: no confirmation
};

// Whether the command line uses any flag of the bulk form (a filter,
// --dry-run or --yes).
bool uses_bulk_flags(const Invocation& inv);
// The request for `inv` (a verb without ID); invalid_argument (a usage
// error) without a filter, with an unknown status or policy.
Result<BulkRequest> bulk_request(const Invocation& inv);
// "/api/v1/instances:pause"
std::string bulk_path(const std::string& verb);
// The body to send; `dry_run` true for the count asked before confirming.
nlohmann::json bulk_body(const BulkRequest& request, bool dry_run);
// "type=nurture, status=waiting, id-prefix=nurture-"
std::string filter_text(const nlohmann::json& filter);
// "paused", "resumed", "cancelled", "retried"
std::string past_tense(const std::string& verb);
// How many instances a dry run's answer says the real run would change:
// the matches (instances in a status the verb changes) less the refused.
size_t would_change(const nlohmann::json& answer);
// A dry run's answer: "would pause 42 instances (type=nurture, status=waiting)",
// and "; 3 more would be refused" when the server refused some already.
std::string would_text(const BulkRequest& request, const nlohmann::json& answer);
// A real run's answer: "paused 42 of 42 matching instances".
std::string done_text(const BulkRequest& request, const nlohmann::json& answer);

}  // namespace sundial::ctl
