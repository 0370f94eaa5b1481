// AuditEntry: one changing admin call as the audit log keeps it (who, what,
// when, from where, and the answer), its key in the `audit` column family
// and its stored encoding (docs/storage-format.md, "audit").
//
// What an entry holds is fixed here and never a request body: bodies carry
// personal data. The one field that may name a person is `target` (an
// instance id taken from the path), which erasure redacts.
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

struct AuditEntry {
  uint64_t seq = 0;         // assigned by AuditLog::record; the key, not in the value
  TimeMs at = 0;            // when the call was answered (the engine's clock)
  std::string role;         // the token's role: "admin", "viewer", "worker"
  std::string token_name;   // the configured name of that token ([server] admin_token_name, ...)
  std::string address;      // the client address (server/http/client_address.h)
  std::string method;       // "POST"
  std::string route;        // the route pattern with its method: "POST /api/v1/instances/{id}/signal"
  std::string target;       // the id the path names (its first capture); empty when none
  int status = 0;           // the HTTP status answered
  std::string outcome;      // "ok", or the error code answered ("not_found")
};

// Keys: the sequence number, 8 bytes big-endian (oldest first).
std::string audit_key(uint64_t seq);
std::optional<uint64_t> parse_audit_key(std::string_view key);

// The value: a JSON object of every field but `seq`. Never fails: text
// that is not valid UTF-8 is stored with U+FFFD in its place.
std::string encode_audit_entry(const AuditEntry& entry);
// corruption when `value` is not such an object or `key` not an audit key.
Result<AuditEntry> decode_audit_entry(std::string_view key, std::string_view value);

// The API's shape (GET /api/v1/audit): every field, `at` as ISO-8601 UTC
// with milliseconds, `target` null when there is none.
nlohmann::json audit_entry_to_json(const AuditEntry& entry);

}  // namespace sundial
