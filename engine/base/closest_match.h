// "Did you mean?": the candidate closest to a mistyped word by edit
// distance. Used by sundiald's flags and sundialctl's verbs and flags.
//
// Threading: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sundial {

// The candidate closest to `word`, if close enough to be a likely typo;
// empty otherwise.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sundial
