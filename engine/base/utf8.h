// UTF-8 validation for bytes that come from outside (decoded URL path
// segments, header values used as keys, form fields) and repair for free
// text we only display (error messages). Every string the engine stores is
// JSON text, which must be valid UTF-8, so invalid bytes are refused at
// ingress with a clear 400 instead of failing at the storage seam.
//
// "Valid" is RFC 3629: no overlong forms, no surrogates (U+D800..DFFF), no
// code point above U+10FFFF, no truncated sequence. NUL is valid UTF-8.
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/error.h"

namespace sundial {

// The byte offset of the first invalid sequence in `s`, or nullopt when
// `s` is valid UTF-8.
std::optional<size_t> find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return !find_invalid_utf8(s); }

// "bad byte 0xFF at offset 3": where `s` stops being UTF-8 (`at` from
// find_invalid_utf8).
std::string describe_invalid_utf8(std::string_view s, size_t at);

// invalid_argument "<what> is not valid UTF-8 (bad byte 0xFF at offset 3)"
// when `s` is not valid UTF-8.
Result<void> check_utf8(std::string_view what, std::string_view s);

// `s` with every byte that is not part of a valid sequence replaced by
// U+FFFD; `s` unchanged when it is valid. For text that is only shown.
std::string repair_utf8(std::string_view s);

}  // namespace sundial
