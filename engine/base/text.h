// ASCII text helpers shared by every layer that reads what users and peers
// type: HTTP header values, form fields, email addresses. One copy of each,
// so "trimmed" and "case-insensitive" mean the same everywhere.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sundial {

// `s` without leading and trailing ASCII whitespace (a view into `s`).
std::string_view trim_space(std::string_view s);
// `s` with ASCII letters lower-cased.
std::string ascii_lower(std::string_view s);
// Equal ignoring ASCII case.
bool ascii_iequals(std::string_view a, std::string_view b);
// Percent-encodes a URL path segment or query value (RFC 3986 unreserved
// characters stay as they are).
std::string url_encode(std::string_view s);
// 128 random bits as 32 hex digits: ids no one has yet (instances, tasks, leases).
std::string random_hex128();
// "<kind>-" and 32 hex digits from (a, b): the same every time (a derived
// task id, a child id or key too long to use as it is).
std::string derived_id(std::string_view kind, std::string_view a, std::string_view b);
// 32 lowercase hex digits that sort in the order they were made: 64 bits
// of `*last` (the caller's state, raised to at least now_ms << 16 and
// past its previous value: milliseconds, then a count within one) and 64
// random bits. Keys made of them arrive in order, which a sorted store
// inserts cheaply.
std::string ordered_hex128(uint64_t& last, int64_t now_ms);

}  // namespace sundial
