// A website signup, as the nurture needs it: a validated, normalized email
// address, a first name, and the assessment's counts of red and orange
// systems, which give the segment (CRITICAL: 2+ red; URGENT: 1 red or 3+
// orange; OPTIMIZE: otherwise) that picks template variants.
//
// Threading: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

struct Signup {
  std::string email;  // trimmed, lower-case
  std::string first_name;
  int red = 0;
  int orange = 0;
};

// From a JSON or form body: "email" (required), "first_name" (or
// "firstName", "name"), "red"/"orange" or the campaign form's
// "red_systems"/"orange_systems" (numbers or numeric strings; the first
// name given wins; absent, null or "" count 0). invalid_argument names what
// is wrong.
Result<Signup> parse_signup(const nlohmann::json& body);
std::string segment_for(int red, int orange);  // "critical", "urgent", "optimize"
// One nurture per address: "nurture:" + normalized email.
std::string nurture_instance_id(const std::string& normalized_email);

}  // namespace sundial
