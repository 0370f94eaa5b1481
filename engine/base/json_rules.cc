#include "engine/base/json_rules.h"

#include <limits>
#include <string>

#include "engine/base/duration.h"

namespace sundial {

Error field_error(std::string_view where, std::string_view field, std::string_view rule) {
  return Error{ErrorCode::kInvalidArgument,
               std::string(where) + std::string(field) + " " + std::string(rule)};
}

Result<int64_t> json_integer(const nlohmann::json& v, std::string_view where, std::string_view field,
                             int64_t min, int64_t max) {
  bool ok = v.is_number_integer() || v.is_number_unsigned();
  int64_t n = 0;
  if (ok && v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    ok = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    n = ok ? static_cast<int64_t>(u) : 0;
  } else if (ok) {
    n = v.get<int64_t>();
  }
  if (!ok || n < min || n > max) {
    return std::unexpected(field_error(
        where, field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max)));
  }
  return n;
}

Result<DurationMs> json_duration(const nlohmann::json& v, std::string_view where, std::string_view field,
                                 DurationMs min, DurationMs max) {
  auto rule = "must be a duration such as \"30s\" or \"5m\" from " + format_duration(min) + " to " +
              format_duration(max);
  if (!v.is_string()) return std::unexpected(field_error(where, field, rule));
  auto d = parse_duration(v.get_ref<const std::string&>());
  if (!d || *d < min || *d > max) return std::unexpected(field_error(where, field, rule));
  return *d;
}

}  // namespace sundial
