// Counted nouns for sundialctl's messages: "1 instance", "2 instances",
// "0 entries". Every count a message prints goes through count_of, so no
// message says "instance(s)".
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sundial::ctl {

// The plural of an English noun: "instance" → "instances", "entry" →
// "entries", "match" → "matches". Enough for the nouns sundialctl counts.
std::string plural_of(std::string_view noun);
// "1 instance", "2 instances"; `plural` overrides plural_of(noun).
std::string count_of(size_t n, std::string_view noun, std::string_view plural = {});

}  // namespace sundial::ctl
