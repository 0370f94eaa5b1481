#include "server/webhooks/webhook_body.h"

#include "engine/base/utf8.h"
#include "server/api/request_helpers.h"
#include "server/http/error_response.h"

namespace sundial::webhooks {

std::expected<nlohmann::json, http::HttpResponse> decode_webhook_body(const http::HttpRequest& request,
                                                                      JsonLimits limits) {
  std::string type = request.content_type();
  if (type == "application/json") return api::parse_json_text(request.body, limits);
  if (type == "application/x-www-form-urlencoded") {
    auto fields = http::parse_form(request.body);
    if (!fields) {
      return std::unexpected(
          http::error_response(Error{ErrorCode::kBadRequest, "the form body has a bad percent-escape"}));
    }
    nlohmann::json out = nlohmann::json::object();
    for (auto& [key, value] : *fields) {
      // Decoded escapes can be any bytes; JSON text holds only UTF-8.
      if (!is_valid_utf8(key))
        return std::unexpected(api::bad_argument("a form field name is not valid UTF-8"));
      if (auto valid = check_utf8("form field '" + key + "'", value); !valid) {
        return std::unexpected(api::bad_argument(valid.error().message));
      }
      if (!out.contains(key)) {
        out[key] = value;
      } else {
        if (!out[key].is_array()) out[key] = nlohmann::json::array({out[key]});
        out[key].push_back(value);
      }
    }
    return out;
  }
  return std::unexpected(http::error_response(Error{
      ErrorCode::kUnsupportedMediaType,
      "webhook bodies must be application/json or application/x-www-form-urlencoded (got '" + type + "')"}));
}

}  // namespace sundial::webhooks
