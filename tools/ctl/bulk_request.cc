#include "tools/ctl/bulk_request.h"

#include "engine/model/instance.h"
#include "tools/ctl/plural.h"

namespace sundial::ctl {

namespace {

// The filter flags in the order help and filter_text give them, with
// their field in the request.
constexpr std::pair<const char*, const char*> kFilters[] = {
    {"--type", "type"}, {"--status", "status"}, {"--id-prefix", "id_prefix"}};

Error bulk_usage(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

size_t answer_count(const nlohmann::json& answer, const char* key) {
  const nlohmann::json& v = answer.value(key, nlohmann::json());
  return v.is_number_unsigned() || v.is_number_integer() ? v.get<size_t>() : 0;
}

}  // namespace

bool uses_bulk_flags(const Invocation& inv) {
  for (const auto& [flag, field] : kFilters) {
    if (inv.flags.contains(flag)) return true;
  }
  return inv.flags.contains("--dry-run") || inv.flags.contains("--yes");
}

Result<BulkRequest> bulk_request(const Invocation& inv) {
  BulkRequest r;
  r.verb = inv.verb;
  r.filter = nlohmann::json::object();
  for (const auto& [flag, field] : kFilters) {
    auto it = inv.flags.find(flag);
    if (it == inv.flags.end()) continue;
    if (it->second.empty())
      return std::unexpected(bulk_usage(std::string(flag) + " needs a non-empty value"));
    r.filter[field] = it->second;
  }
  if (r.filter.empty()) {
    return std::unexpected(bulk_usage("'" + inv.verb + "' needs an instance ID, or at least one of --type, " +
                                      "--status, --id-prefix to " + inv.verb +
                                      " every instance that matches"));
  }
  if (r.filter.contains("status") && !parse_status(r.filter["status"].get<std::string>())) {
    return std::unexpected(
        bulk_usage("unknown status '" + r.filter["status"].get<std::string>() +
                   "'; one of queued, running, waiting, paused, completed, failed, cancelled"));
  }
  if (auto p = inv.flags.find("--policy"); p != inv.flags.end()) {
    if (p->second != "shift" && p->second != "fire")
      return std::unexpected(bulk_usage("--policy takes shift or fire, not '" + p->second + "'"));
    r.policy = p->second;
  }
  if (auto reason = inv.flags.find("--reason"); reason != inv.flags.end()) r.reason = reason->second;
  r.dry_run = inv.flags.contains("--dry-run");
  r.yes = inv.flags.contains("--yes");
  return r;
}

std::string bulk_path(const std::string& verb) { return "/api/v1/instances:" + verb; }

nlohmann::json bulk_body(const BulkRequest& request, bool dry_run) {
  nlohmann::json body = {{"filter", request.filter}};
  if (dry_run) body["dry_run"] = true;
  if (request.policy && (request.verb == "resume" || request.verb == "retry"))
    body["policy"] = *request.policy;
  if (request.reason && request.verb == "cancel") body["reason"] = *request.reason;
  return body;
}

std::string filter_text(const nlohmann::json& filter) {
  std::string out;
  for (const auto& [flag, field] : kFilters) {
    if (!filter.contains(field)) continue;
    out += (out.empty() ? "" : ", ") + std::string(flag + 2) + "=" + filter[field].get<std::string>();
  }
  return out;
}

std::string past_tense(const std::string& verb) {
  if (verb == "retry") return "retried";
  if (verb == "cancel") return "cancelled";
  return verb.ends_with("e") ? verb + "d" : verb + "ed";
}

size_t would_change(const nlohmann::json& answer) {
  size_t matched = answer_count(answer, "matched");
  size_t refused = answer_count(answer, "refused");
  return matched > refused ? matched - refused : 0;
}

std::string would_text(const BulkRequest& request, const nlohmann::json& answer) {
  std::string out = "would " + request.verb + " " + count_of(would_change(answer), "instance") + " (" +
                    filter_text(request.filter) + ")";
  if (size_t refused = answer_count(answer, "refused"); refused > 0)
    out += "; " + std::to_string(refused) + " more would be refused";
  return out;
}

std::string done_text(const BulkRequest& request, const nlohmann::json& answer) {
  size_t matched = answer_count(answer, "matched");
  std::string out = past_tense(request.verb) + " " + std::to_string(answer_count(answer, "changed")) +
                    " of " + std::to_string(matched) + " matching " +
                    (matched == 1 ? "instance" : "instances");
  if (size_t refused = answer_count(answer, "refused"); refused > 0)
    out += "; " + std::to_string(refused) + " refused";
  return out;
}

}  // namespace sundial::ctl
