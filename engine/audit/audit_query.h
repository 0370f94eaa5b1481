// Reading the audit log (GET /api/v1/audit, sundialctl audit): newest
// first, filtered by route, target and time, one page at a time.
//
// Threading: any thread; the API runs it on the query pool against a
// snapshot (Engine::read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/audit_entry.h"
#include "engine/storage/store.h"

namespace sundial {

// Entries one page may read while its filters skip them: past it the page
// ends early with a cursor, so a request's work is bounded however few
// entries match (as kMaxListScannedKeys for instances).
inline constexpr size_t kMaxAuditScanned = 20000;

struct AuditQuery {
  // Default: 50; the API takes 1–1000.
  size_t limit = 50;
  // A previous page's next_cursor: only entries with seq < cursor.
  std::optional<uint64_t> cursor = std::nullopt;
  // Only entries recorded strictly before this time.
  std::optional<TimeMs> before = std::nullopt;
  // Only this route: the whole route ("POST /api/v1/schedules/{id}") or
  // its pattern alone ("/api/v1/schedules/{id}", any method). Empty: any.
  std::string route = {};
  // Only entries with this target. Empty: any.
  std::string target = {};
  // Entries one page may read (kMaxAuditScanned; tests make it small).
  size_t max_scanned = kMaxAuditScanned;
};

struct AuditPage {
  std::vector<AuditEntry> entries;        // newest first
  std::optional<uint64_t> next_cursor;    // nullopt on the last page
};

Result<AuditPage> read_audit(Store& store, const AuditQuery& query);

// {"entries": [...], "next_cursor": "<seq>" | null}
nlohmann::json audit_page_to_json(const AuditPage& page);

}  // namespace sundial
