#include "server/alerts/alert_payload.h"

#include <nlohmann/json.hpp>

namespace sundial::alerts {

namespace {

std::string counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

nlohmann::json sample_json(const Alert& a) {
  nlohmann::json out = {{"kind", alert_kind_name(a.kind)}, {"at_ms", a.at}};
  switch (a.kind) {
    case AlertKind::kInstanceFailed:
      out["instance_id"] = a.subject;
      out["workflow_type"] = a.workflow_type;
      out["error"] = a.message;
      break;
    case AlertKind::kTaskDead:
      out["queue"] = a.subject;
      out["count"] = a.count;
      break;
    case AlertKind::kScheduleMisfire:
      out["count"] = a.count;
      break;
    case AlertKind::kStorageDegraded:
    case AlertKind::kStorageRecovered:
      if (!a.message.empty()) out["error"] = a.message;
      break;
  }
  return out;
}

}  // namespace

std::string alert_summary(const AlertBatch& batch) {
  std::string out;
  auto part = [&out](std::string text) { out += (out.empty() ? "" : ", ") + text; };
  if (uint64_t n = batch.count(AlertKind::kInstanceFailed))
    part(counted(n, "instance failed", "instances failed"));
  if (uint64_t n = batch.count(AlertKind::kTaskDead)) part(counted(n, "task dead", "tasks dead"));
  if (uint64_t n = batch.count(AlertKind::kScheduleMisfire))
    part(counted(n, "schedule misfire", "schedule misfires"));
  if (batch.count(AlertKind::kStorageDegraded)) part("storage cannot write");
  if (batch.count(AlertKind::kStorageRecovered)) part("storage writes again");
  return out;
}

std::string alert_body(const AlertBatch& batch, const std::string& alert_id, TimeMs sent_at) {
  nlohmann::json counts = nlohmann::json::object();
  for (AlertKind kind : kAllAlertKinds) counts[std::string(alert_kind_name(kind))] = batch.count(kind);
  nlohmann::json samples = nlohmann::json::array();
  for (const Alert& a : batch.samples()) samples.push_back(sample_json(a));
  nlohmann::json body = {{"id", alert_id},
                         {"source", "sundiald"},
                         {"sent_at_ms", sent_at},
                         {"window", {{"from_ms", batch.first_at()}, {"to_ms", batch.last_at()}}},
                         {"summary", alert_summary(batch)},
                         {"total", batch.total()},
                         {"counts", std::move(counts)},
                         {"alerts", std::move(samples)},
                         {"omitted", batch.omitted()}};
  // Never throws: every string is repaired UTF-8, and `replace` covers a slip.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sundial::alerts
