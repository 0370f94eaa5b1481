// GitHubChecks: one verdict over a commit's CI, from its two sources on
// GitHub — the combined commit status (GET /repos/{o}/{r}/commits/{sha}/status,
// the older Statuses API) and its check runs (GET .../check-runs, GitHub
// Actions and apps). A check run fails when it completed with conclusion
// failure, cancelled, timed_out or action_required, and is pending while
// its status is not "completed"; a status fails when its state is failure
// or error, and is pending while "pending". A commit with no statuses
// (GitHub's combined state is then "pending" with total_count 0) and no
// check runs passes.
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial {

struct GitHubChecks {
  std::string state = "success";     // "success", "pending" or "failure"
  int64_t total = 0;                 // statuses + check runs, as GitHub counts them
  std::vector<std::string> failing;  // status contexts and check run names
  std::vector<std::string> pending;
};

// The verdict from GitHub's two answers, read defensively (a field of
// another type counts as absent). `check_runs` are the runs read (maybe
// fewer than the answers' total_count: the runs not read leave the
// verdict pending unless one read failed).
GitHubChecks summarize_github_checks(const nlohmann::json& combined_status,
                                     const std::vector<nlohmann::json>& check_runs, int64_t check_runs_total);

// {"state", "total", "failing": [...], "pending": [...]}
void to_json(nlohmann::json& out, const GitHubChecks& checks);

}  // namespace sundial
