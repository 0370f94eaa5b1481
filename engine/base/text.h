// ASCII text helpers shared by every layer that reads what users and peers
// type: HTTP header values, form fields, email addresses. One copy of each,
// so "trimmed" and "case-insensitive" mean the same everywhere.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sundial {

// `s` without leading and trailing ASCII whitespace (a view into `s`).
std::string_view trim_space(std::string_view s);
// `s` with ASCII letters lower-cased.
std::string ascii_lower(std::string_view s);
// Equal ignoring ASCII case.
bool ascii_iequals(std::string_view a, std::string_view b);

}  // namespace sundial
