// HMAC-SHA256 (OpenSSL) and constant-time comparison, for webhook signature
// schemes: hex HMAC of the raw body (Cal.com's X-Cal-Signature-256) and the
// same with a "sha256=" prefix (GitHub's X-Hub-Signature-256, Notion).
//
// Threading: pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sundial {

// The 32 bytes of HMAC-SHA256 of `data` keyed with `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex HMAC-SHA256 of `data` keyed with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Lower-case hex of `bytes`.
std::string hex_encode(std::string_view bytes);

// Lower-case hex SHA-256 of `data` (webhook dedupe keys of unsigned bodies).
std::string sha256_hex(std::string_view data);

// Equal length and bytes, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Whether `signature` is `prefix` followed by the hex HMAC-SHA256 of `body`
// under `secret` (hex compared case-insensitively, in constant time).
bool verify_hmac_signature(std::string_view secret, std::string_view body, std::string_view signature,
                           std::string_view prefix = {});

}  // namespace sundial
