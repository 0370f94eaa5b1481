#include "workflows/input_check.h"

#include "connectors/email/email_address.h"

namespace sundial {
namespace {

std::unexpected<Error> invalid(const char* key, std::string_view must) {
  return make_error(ErrorCode::kInvalidArgument,
                    "input field '" + std::string(key) + "' must be " + std::string(must));
}

// input[key], or nullptr when absent or null.
const nlohmann::json* field(const nlohmann::json& input, const char* key) {
  if (!input.is_object()) return nullptr;
  auto it = input.find(key);
  return it == input.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

Error unknown_field(std::string_view key, std::span<const std::string_view> known) {
  std::string list;
  for (std::string_view k : known) {
    if (!list.empty()) list += ", ";
    list += k;
  }
  return Error{ErrorCode::kInvalidArgument,
               "unknown input field '" + std::string(key) + "'; known fields: " + list};
}

Error required_field(std::string_view key) {
  return Error{ErrorCode::kInvalidArgument, "input field '" + std::string(key) + "' is required"};
}

Result<void> check_known_fields(const nlohmann::json& input, std::initializer_list<std::string_view> known) {
  if (input.is_null()) return ok();
  if (!input.is_object()) return make_error(ErrorCode::kInvalidArgument, std::string(kInputNotAnObject));
  for (const auto& [key, value] : input.items()) {
    bool ok_key = false;
    for (std::string_view k : known) ok_key = ok_key || k == key;
    if (!ok_key) return std::unexpected(unknown_field(key, std::span(known.begin(), known.size())));
  }
  return ok();
}

Result<std::optional<std::string>> optional_string(const nlohmann::json& input, const char* key) {
  const nlohmann::json* v = field(input, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return invalid(key, "a string");
  return std::optional(v->get<std::string>());
}

Result<std::optional<int64_t>> optional_int(const nlohmann::json& input, const char* key, int64_t min,
                                            int64_t max) {
  const nlohmann::json* v = field(input, key);
  if (v == nullptr) return std::optional<int64_t>();
  auto range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v->is_number_integer()) return invalid(key, range);
  // An unsigned value past INT64_MAX would wrap to a negative number.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) return invalid(key, range);
  int64_t n = v->get<int64_t>();
  if (n < min || n > max) return invalid(key, range);
  return std::optional(n);
}

Result<std::optional<std::vector<DurationMs>>> optional_delays(const nlohmann::json& input, const char* key) {
  return optional_delays(input, key, kMaxInputDelays, kMaxInputDelayMs);
}

Result<std::optional<std::vector<DurationMs>>> optional_delays(const nlohmann::json& input, const char* key,
                                                               size_t max_count, DurationMs max_ms) {
  const nlohmann::json* v = field(input, key);
  if (v == nullptr) return std::optional<std::vector<DurationMs>>();
  auto must = "an array of at most " + std::to_string(max_count) +
              " delays in milliseconds, each from 0 to " + std::to_string(max_ms);
  if (!v->is_array() || v->size() > max_count) return invalid(key, must);
  std::vector<DurationMs> out;
  for (const auto& item : *v) {
    bool in_range = item.is_number_integer() &&
                    (item.is_number_unsigned() ? item.get<uint64_t>() <= static_cast<uint64_t>(max_ms)
                                               : item.get<int64_t>() >= 0 && item.get<int64_t>() <= max_ms);
    if (!in_range) return invalid(key, must);
    out.push_back(item.get<DurationMs>());
  }
  return std::optional(std::move(out));
}

Result<std::optional<std::string>> optional_choice(const nlohmann::json& input, const char* key,
                                                   std::span<const std::string_view> choices) {
  SUNDIAL_ASSIGN_OR_RETURN(auto v, optional_string(input, key));
  if (!v) return v;
  for (std::string_view c : choices) {
    if (c == *v) return v;
  }
  std::string must;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) must += i + 1 == choices.size() ? " or " : ", ";
    must += "\"" + std::string(choices[i]) + "\"";
  }
  return invalid(key, must.empty() ? "absent" : must);
}

Result<std::optional<std::string>> optional_email(const nlohmann::json& input, const char* key) {
  SUNDIAL_ASSIGN_OR_RETURN(auto raw, optional_string(input, key));
  if (!raw) return raw;
  std::string email = normalize_email(*raw);
  if (!plausible_email(email)) return invalid(key, "an email address");
  return std::optional(std::move(email));
}

Result<std::string> required_email(const nlohmann::json& input, const char* key) {
  SUNDIAL_ASSIGN_OR_RETURN(auto email, optional_email(input, key));
  if (!email) return std::unexpected(required_field(key));
  return std::move(*email);
}

}  // namespace sundial
