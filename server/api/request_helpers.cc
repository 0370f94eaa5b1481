#include "server/api/request_helpers.h"

#include <charconv>

#include "server/http/error_response.h"

namespace sundial::api {

std::expected<nlohmann::json, http::HttpResponse> parse_json_text(std::string_view text, JsonLimits limits) {
  auto parsed = parse_json(text, limits);
  if (parsed) return std::move(*parsed);
  const JsonParseError& e = parsed.error();
  switch (e.kind) {
    case JsonParseError::Kind::kTooDeep:
      return std::unexpected(
          bad_argument("the body is " + e.message + "; the limit is [server] max_json_depth"));
    case JsonParseError::Kind::kOutOfRange:
      return std::unexpected(bad_argument("the body holds a number out of range (" + e.message + ")"));
    case JsonParseError::Kind::kSyntax:
      break;
  }
  return std::unexpected(http::error_response(
      Error{ErrorCode::kBadRequest, "the body is not valid JSON (at byte " + std::to_string(e.byte) + ")"}));
}

std::expected<nlohmann::json, http::HttpResponse> read_json_body(const http::HttpRequest& request,
                                                                 BodyRule rule, JsonLimits limits) {
  if (request.body.empty()) {
    return rule == BodyRule::kObjectOrEmpty ? nlohmann::json::object() : nlohmann::json(nullptr);
  }
  if (request.content_type() != "application/json") {
    return std::unexpected(http::error_response(Error{
        ErrorCode::kUnsupportedMediaType,
        "the body must be JSON with Content-Type: application/json (got '" + request.content_type() + "')"}));
  }
  auto body = parse_json_text(request.body, limits);
  if (!body) return body;
  if (rule == BodyRule::kObjectOrEmpty && !body->is_object()) {
    return std::unexpected(
        http::error_response(Error{ErrorCode::kBadRequest, "the body must be a JSON object"}));
  }
  return body;
}

std::expected<int64_t, http::HttpResponse> query_int(const http::HttpRequest& request, std::string_view name,
                                                     int64_t fallback, int64_t min, int64_t max) {
  auto raw = request.query_param(name);
  if (!raw) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || value < min || value > max) {
    return std::unexpected(bad_argument("query parameter '" + std::string(name) +
                                        "' must be an integer from " + std::to_string(min) + " to " +
                                        std::to_string(max)));
  }
  return value;
}

std::expected<std::optional<std::string>, http::HttpResponse> optional_string_field(const nlohmann::json& body,
                                                                                    const char* name) {
  if (!body.contains(name)) return std::nullopt;
  if (!body[name].is_string())
    return std::unexpected(bad_argument(std::string("'") + name + "' must be a string"));
  return body[name].get<std::string>();
}

http::HttpResponse bad_argument(std::string_view message) {
  return http::error_response(Error{ErrorCode::kInvalidArgument, std::string(message)});
}

}  // namespace sundial::api
