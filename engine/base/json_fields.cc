#include "engine/base/json_fields.h"

#include <cstdint>

namespace sundial {
namespace {

const nlohmann::json* field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

std::string string_field(const nlohmann::json& object, std::string_view key, std::string fallback) {
  const nlohmann::json* v = field(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : fallback;
}

int64_t int_field(const nlohmann::json& object, std::string_view key, int64_t fallback) {
  const nlohmann::json* v = field(object, key);
  if (v == nullptr || !v->is_number_integer()) return fallback;
  // An unsigned value past INT64_MAX would wrap to a negative number.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return fallback;
  return v->get<int64_t>();
}

Result<void> check_known_fields(const nlohmann::json& fields, std::string_view prefix,
                                std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : fields.items()) {
    bool known = false;
    for (auto a : allowed) known |= key == a;
    if (known) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(prefix) + "unknown field '" + key + "' (expected " + list + ")");
  }
  return ok();
}

}  // namespace sundial
