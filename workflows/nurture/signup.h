// A website signup, as the nurture needs it: a validated, normalized email
// address, a first name, and the assessment's counts of red and orange
// systems, which give the segment (CRITICAL: 2+ red; URGENT: 1 red or 3+
// orange; OPTIMIZE: otherwise) that picks template variants. The signup
// route (signup_route.h) starts the Lua workflow type "nurture"
// (workflows/nurture/nurture.lua) with nurture_input().
//
// Threading: pure functions.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

// The Lua workflow type a signup starts (workflows/nurture/nurture.lua).
inline constexpr const char* kNurtureWorkflow = "nurture";

struct Signup {
  std::string email;  // trimmed, lower-case
  std::string first_name;
  int red = 0;
  int orange = 0;
  // The signup's own time zone ("Europe/Paris", as a browser's
  // Intl.DateTimeFormat().resolvedOptions().timeZone gives it) when it
  // named a known one; empty otherwise. A send window with
  // timezone_from = "timezone" sends in it (docs/send-windows.md).
  std::string timezone;
};

// From a JSON or form body: "email" (required), "first_name" (or
// "firstName", "name"), "red"/"orange" or the campaign form's
// "red_systems"/"orange_systems" (numbers or numeric strings; the first
// name given wins; absent, null or "" count 0), "timezone" (or "time_zone",
// "tz"; kept only when it names a known zone: a signup is never refused
// over it). invalid_argument names what is wrong.
Result<Signup> parse_signup(const nlohmann::json& body);
std::string segment_for(int red, int orange);  // "critical", "urgent", "optimize"
// Every segment segment_for gives (and nurture.lua accepts).
inline constexpr std::array<std::string_view, 3> kNurtureSegments = {"critical", "urgent", "optimize"};
// One nurture per address: "nurture:" + normalized email.
std::string nurture_instance_id(const std::string& normalized_email);
// The nurture's start input for a signup: {"email", "first_name", "red",
// "orange", "segment", "offsets_ms"}. The offsets are copied in at signup,
// so changing [nurture] offsets affects new signups only.
nlohmann::json nurture_input(const Signup& signup, const std::vector<DurationMs>& offsets);

}  // namespace sundial
