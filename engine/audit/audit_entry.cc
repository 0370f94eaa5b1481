#include "engine/audit/audit_entry.h"

#include <utility>

#include "engine/base/coding.h"
#include "engine/base/json_parse.h"
#include "engine/base/utc_time.h"

namespace sundial {

namespace {

using json = nlohmann::json;

// The stored names, short: an entry is written for every changing call.
struct TextField {
  const char* key;
  std::string AuditEntry::*field;
};
constexpr TextField kTextFields[] = {
    {"role", &AuditEntry::role},       {"name", &AuditEntry::token_name}, {"addr", &AuditEntry::address},
    {"method", &AuditEntry::method},   {"route", &AuditEntry::route},     {"target", &AuditEntry::target},
    {"outcome", &AuditEntry::outcome},
};

Error corrupt(std::string_view field) {
  return Error{ErrorCode::kCorruption, "audit entry: field '" + std::string(field) + "' is missing or malformed"};
}

}  // namespace

std::string audit_key(uint64_t seq) {
  std::string out;
  put_u64_be(out, seq);
  return out;
}

std::optional<uint64_t> parse_audit_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return get_u64_be(key);
}

std::string encode_audit_entry(const AuditEntry& entry) {
  json j = json::object();
  j["at"] = entry.at;
  j["status"] = entry.status;
  for (const TextField& f : kTextFields) {
    if (!(entry.*f.field).empty()) j[f.key] = entry.*f.field;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<AuditEntry> decode_audit_entry(std::string_view key, std::string_view value) {
  AuditEntry entry;
  auto seq = parse_audit_key(key);
  if (!seq) return std::unexpected(corrupt("key"));
  entry.seq = *seq;
  auto parsed = parse_json(value, JsonLimits{4});
  if (!parsed || !parsed->is_object()) return std::unexpected(corrupt("value"));
  const json& j = *parsed;
  auto at = j.find("at");
  if (at == j.end() || !at->is_number_integer()) return std::unexpected(corrupt("at"));
  entry.at = at->get<TimeMs>();
  auto status = j.find("status");
  if (status == j.end() || !status->is_number_integer()) return std::unexpected(corrupt("status"));
  entry.status = status->get<int>();
  for (const TextField& f : kTextFields) {
    auto it = j.find(f.key);
    if (it == j.end()) continue;
    if (!it->is_string()) return std::unexpected(corrupt(f.key));
    entry.*f.field = it->get<std::string>();
  }
  return entry;
}

json audit_entry_to_json(const AuditEntry& e) {
  return json{{"seq", e.seq},
              {"at", format_utc(e.at)},
              {"role", e.role},
              {"token_name", e.token_name},
              {"address", e.address},
              {"method", e.method},
              {"route", e.route},
              {"target", e.target.empty() ? json(nullptr) : json(e.target)},
              {"status", e.status},
              {"outcome", e.outcome}};
}

}  // namespace sundial
