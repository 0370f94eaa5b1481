// Base64 (RFC 4648, standard alphabet) for webhook signature schemes that
// carry a digest or a key in base64: Standard Webhooks' "v1,<base64>" and
// its "whsec_<base64>" secrets, and HMAC headers sent in base64.
//
// Threading: pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sundial {

// With '=' padding.
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes, with or without '=' padding; nullopt for any
// other character, a misplaced '=' or a length no encoding has.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sundial
