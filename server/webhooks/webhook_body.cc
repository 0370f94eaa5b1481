#include "server/webhooks/webhook_body.h"

#include "server/api/request_helpers.h"
#include "server/http/error_codes.h"

namespace sundial::webhooks {

std::expected<nlohmann::json, http::HttpResponse> decode_webhook_body(const http::HttpRequest& request) {
  std::string type = request.content_type();
  if (type == "application/json") return api::parse_json_text(request.body);
  if (type == "application/x-www-form-urlencoded") {
    auto fields = http::parse_form(request.body);
    if (!fields) {
      return std::unexpected(http::HttpResponse::error(400, codes::kBadRequest,
                                                       "the form body has a bad percent-escape"));
    }
    nlohmann::json out = nlohmann::json::object();
    for (auto& [key, value] : *fields) {
      if (!out.contains(key)) {
        out[key] = value;
      } else {
        if (!out[key].is_array()) out[key] = nlohmann::json::array({out[key]});
        out[key].push_back(value);
      }
    }
    return out;
  }
  return std::unexpected(http::HttpResponse::error(
      415, codes::kUnsupportedMediaType,
      "webhook bodies must be application/json or application/x-www-form-urlencoded (got '" + type + "')"));
}

}  // namespace sundial::webhooks
