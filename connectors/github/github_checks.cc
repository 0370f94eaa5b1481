#include "connectors/github/github_checks.h"

#include <algorithm>

#include "engine/base/json_fields.h"

namespace sundial {

GitHubChecks summarize_github_checks(const nlohmann::json& combined_status,
                                     const std::vector<nlohmann::json>& check_runs,
                                     int64_t check_runs_total) {
  GitHubChecks out;
  int64_t statuses = std::max<int64_t>(0, int_field(combined_status, "total_count"));
  if (statuses > 0) {
    auto listed = combined_status.find("statuses");
    if (listed != combined_status.end() && listed->is_array()) {
      for (const auto& s : *listed) {
        std::string state = string_field(s, "state");
        std::string context = string_field(s, "context", "(a status without a context)");
        if (state == "failure" || state == "error") out.failing.push_back(context);
        if (state == "pending") out.pending.push_back(context);
      }
    }
    // The combined state covers statuses the answer did not list.
    std::string combined = string_field(combined_status, "state");
    if ((combined == "failure" || combined == "error") && out.failing.empty()) {
      out.failing.push_back("(combined status " + combined + ")");
    } else if (combined == "pending" && out.pending.empty() && out.failing.empty()) {
      out.pending.push_back("(combined status pending)");
    }
  }
  for (const auto& run : check_runs) {
    std::string name = string_field(run, "name", "(a check run without a name)");
    std::string conclusion = string_field(run, "conclusion");
    if (string_field(run, "status") != "completed") {
      out.pending.push_back(name);
    } else if (conclusion == "failure" || conclusion == "cancelled" || conclusion == "timed_out" ||
               conclusion == "action_required") {
      out.failing.push_back(name);
    }
  }
  int64_t runs = std::max<int64_t>(check_runs_total, static_cast<int64_t>(check_runs.size()));
  if (runs > static_cast<int64_t>(check_runs.size())) {
    out.pending.push_back("(" + std::to_string(runs - static_cast<int64_t>(check_runs.size())) +
                          " check runs not read)");
  }
  out.total = statuses + runs;
  out.state = !out.failing.empty() ? "failure" : !out.pending.empty() ? "pending" : "success";
  return out;
}

void to_json(nlohmann::json& out, const GitHubChecks& checks) {
  out = {{"state", checks.state},
         {"total", checks.total},
         {"failing", checks.failing},
         {"pending", checks.pending}};
}

}  // namespace sundial
