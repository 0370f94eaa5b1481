#include "engine/audit/audit_query.h"

#include <utility>

namespace sundial {

namespace {

bool matches(const AuditEntry& e, const AuditQuery& q) {
  if (q.before && e.at >= *q.before) return false;
  if (!q.target.empty() && e.target != q.target) return false;
  if (q.route.empty() || e.route == q.route) return true;
  size_t space = e.route.find(' ');
  return space != std::string::npos && std::string_view(e.route).substr(space + 1) == q.route;
}

}  // namespace

Result<AuditPage> read_audit(Store& store, const AuditQuery& query) {
  AuditPage page;
  size_t scanned = 0;
  Result<void> decoded = ok();
  std::string end = query.cursor ? audit_key(*query.cursor) : std::string();
  SUNDIAL_TRY(store.scan_reverse(Cf::kAudit, audit_key(0), end, [&](std::string_view key, std::string_view value) {
    auto entry = decode_audit_entry(key, value);
    if (!entry) {
      decoded = std::unexpected(entry.error());
      return false;
    }
    if (matches(*entry, query)) {
      if (page.entries.size() == query.limit) {  // one more: the page is full and more follow
        page.next_cursor = page.entries.back().seq;
        return false;
      }
      page.entries.push_back(std::move(*entry));
    }
    if (++scanned >= query.max_scanned) {  // bounded work: the next page goes on below here
      page.next_cursor = parse_audit_key(key);
      return false;
    }
    return true;
  }));
  SUNDIAL_TRY(decoded);
  return page;
}

nlohmann::json audit_page_to_json(const AuditPage& page) {
  nlohmann::json entries = nlohmann::json::array();
  for (const AuditEntry& e : page.entries) entries.push_back(audit_entry_to_json(e));
  return {{"entries", std::move(entries)},
          {"next_cursor", page.next_cursor ? nlohmann::json(std::to_string(*page.next_cursor)) : nlohmann::json(nullptr)}};
}

}  // namespace sundial
