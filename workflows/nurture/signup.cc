#include "workflows/nurture/signup.h"

#include "connectors/email/email_address.h"
#include "engine/base/text.h"
#include "engine/schedules/time_zone.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace sundial {

namespace {

// Whether `body` has a value under `name` (an unticked form field sends "").
bool given(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return false;
  return !it->is_string() || !trim_space(it->get_ref<const std::string&>()).empty();
}

// The count under the first of `names` that is given; 0 when none is.
Result<int> count_field(const nlohmann::json& body, std::initializer_list<const char*> names) {
  const char* name = nullptr;
  for (const char* n : names) {
    if (given(body, n)) {
      name = n;
      break;
    }
  }
  if (name == nullptr) return 0;
  const auto& v = body[name];
  if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < 10000)
    return static_cast<int>(v.get<int64_t>());
  if (v.is_string()) {
    std::string s(trim_space(v.get<std::string>()));
    if (s.empty()) return 0;
    if (s.size() <= 4 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::stoi(s);
    }
  }
  return make_error(ErrorCode::kInvalidArgument, std::string("'") + name + "' must be a count of systems");
}

}  // namespace

Result<Signup> parse_signup(const nlohmann::json& body) {
  if (!body.is_object()) return make_error(ErrorCode::kInvalidArgument, "the signup must be an object");
  if (!body.contains("email") || !body["email"].is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "'email' is required");
  }
  Signup s;
  s.email = normalize_email(body["email"].get<std::string>());
  if (!plausible_email(s.email)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + body["email"].get<std::string>() + "' is not an email address");
  }
  for (const char* key : {"first_name", "firstName", "name"}) {
    if (body.contains(key) && body[key].is_string()) {
      s.first_name = trim_space(body[key].get<std::string>());
      break;
    }
  }
  if (s.first_name.empty()) s.first_name = "there";
  // The campaign's form names them red_systems and orange_systems.
  SUNDIAL_ASSIGN_OR_RETURN(s.red, count_field(body, {"red", "red_systems"}));
  SUNDIAL_ASSIGN_OR_RETURN(s.orange, count_field(body, {"orange", "orange_systems"}));
  for (const char* key : {"timezone", "time_zone", "tz"}) {
    if (!given(body, key) || !body[key].is_string()) continue;
    auto zone = TimeZone::find(trim_space(body[key].get<std::string>()));
    if (zone) s.timezone = zone->name();
    break;
  }
  return s;
}

std::string segment_for(int red, int orange) {
  if (red >= 2) return "critical";
  if (red == 1 || orange >= 3) return "urgent";
  return "optimize";
}

std::string nurture_instance_id(const std::string& normalized_email) { return "nurture:" + normalized_email; }

nlohmann::json nurture_input(const Signup& signup, const std::vector<DurationMs>& offsets) {
  nlohmann::json input = {{"email", signup.email},
                          {"first_name", signup.first_name},
                          {"red", signup.red},
                          {"orange", signup.orange},
                          {"segment", segment_for(signup.red, signup.orange)},
                          {"offsets_ms", offsets}};
  if (!signup.timezone.empty()) input["timezone"] = signup.timezone;
  return input;
}

}  // namespace sundial
