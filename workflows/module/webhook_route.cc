#include "workflows/module/webhook_route.h"

#include <algorithm>
#include <string>

#include "engine/base/text.h"
#include "workflows/lua/trigger_declaration.h"

namespace sundial::webhooks {

Result<void> check_route_path(std::string_view path, std::string_view key) {
  std::string problem = lua::trigger_path_problem(path);
  if (problem.empty()) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(key) + ": path '" + std::string(path) + "' " + problem);
}

namespace {

// Why `url` is not an absolute http(s) URL fit for a Location header;
// empty when it is one.
std::string redirect_url_problem(std::string_view url) {
  constexpr size_t kMaxUrlBytes = 2048;
  if (url.size() > kMaxUrlBytes) return "is longer than 2048 bytes";
  for (char c : url) {
    if (c < 0x21 || c > 0x7e) return "has a space, control or non-ASCII character: percent-encode it";
  }
  std::string lower = ascii_lower(url.substr(0, 8));
  size_t scheme = lower.starts_with("https://") ? 8 : lower.starts_with("http://") ? 7 : 0;
  if (scheme == 0) return "is not an absolute URL starting with http:// or https://";
  std::string_view authority = url.substr(scheme);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "has user info (user@host)";
  // The port follows the last ':' that is not inside an IPv6 address's brackets.
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos) {
    colon = std::string_view::npos;
  }
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return "has a port that is not a number from 1 to 65535";
    }
  }
  if (host.empty()) return "has no host";
  return "";
}

}  // namespace

Result<void> check_redirect_url(std::string_view url, std::string_view key) {
  std::string problem = redirect_url_problem(url);
  if (problem.empty()) return ok();
  std::string shown(url.substr(0, 200));
  return make_error(ErrorCode::kInvalidArgument, std::string(key) + ": '" + shown + "' " + problem);
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
