// Email addresses as Sundial keys them: one normal form (trimmed,
// lower-case) shared by every way an address arrives (a signup form, a
// Cal.com attendee), so the same person maps to the same nurture instance,
// and a plausibility check that rejects what cannot be an address or an
// instance id.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sundial {

// Trimmed of surrounding whitespace and lower-cased (ASCII).
std::string normalize_email(std::string_view raw);
// One '@' with a local part, a dotted domain, no spaces, controls or URL
// delimiters, at most 190 bytes (fits an instance id with its prefix).
bool plausible_email(const std::string& email);

}  // namespace sundial
