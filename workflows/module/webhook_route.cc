#include "workflows/module/webhook_route.h"

#include "workflows/lua/trigger_declaration.h"

namespace sundial::webhooks {

Result<void> check_route_path(std::string_view path, std::string_view key) {
  std::string problem = lua::trigger_path_problem(path);
  if (problem.empty()) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(key) + ": path '" + std::string(path) + "' " + problem);
}

DeliveryIdFn delivery_id_from_header(std::string lower_case_name) {
  return [name = std::move(lower_case_name)](const http::HttpRequest& request,
                                             const nlohmann::json&) -> std::optional<std::string> {
    const std::string* value = request.header(name);
    if (value == nullptr || value->empty()) return std::nullopt;
    return *value;
  };
}

DeliveryIdFn delivery_id_from_field(std::string json_pointer) {
  return [pointer = nlohmann::json::json_pointer(json_pointer)](
             const http::HttpRequest&, const nlohmann::json& body) -> std::optional<std::string> {
    if (!body.is_object() || !body.contains(pointer)) return std::nullopt;
    const auto& v = body.at(pointer);
    if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    return std::nullopt;
  };
}

}  // namespace sundial::webhooks
