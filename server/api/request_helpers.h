// Small pieces every admin route shares: reading a JSON body with the
// content-type, syntax and depth checks, reading bounded integer query
// parameters, and answering an engine Result (value → JSON, error →
// http::error_response).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/base/json_parse.h"
#include "server/http/message.h"
#include "server/http/responder.h"

namespace sundial::api {

// `text` as JSON (engine/base/json_parse.h), or the answer to send: 400
// bad_request naming the byte where it stopped being JSON; 400
// invalid_argument when it is nested deeper than `limits.max_depth`
// (`[server] max_json_depth`) or holds a number out of range (`1e400`).
// The one JSON ingress of the admin API and the webhooks. Never throws.
std::expected<nlohmann::json, http::HttpResponse> parse_json_text(std::string_view text,
                                                                  JsonLimits limits = {});

enum class BodyRule { kObjectOrEmpty, kAnyJsonOrEmpty };

// The request body as JSON: empty → `{}` (kObjectOrEmpty) or null; a
// non-empty body needs Content-Type application/json (415) and must parse
// (400, as parse_json_text); kObjectOrEmpty also requires an object (400).
std::expected<nlohmann::json, http::HttpResponse> read_json_body(const http::HttpRequest& request,
                                                                 BodyRule rule, JsonLimits limits = {});

// Query parameter `name` as an integer in [min, max]; `fallback` when
// absent; a 400 answer when malformed or out of range.
std::expected<int64_t, http::HttpResponse> query_int(const http::HttpRequest& request, std::string_view name,
                                                     int64_t fallback, int64_t min, int64_t max);

// The optional string field `name` of an object body: nullopt when absent,
// a 400 when it is not a string.
std::expected<std::optional<std::string>, http::HttpResponse> optional_string_field(const nlohmann::json& body,
                                                                                    const char* name);

// A 400 invalid_argument answer.
http::HttpResponse bad_argument(std::string_view message);

// Sends `status` with `to_json(value)`, or the error through http::error_response.
template <typename T, typename ToJson>
void answer(http::Responder& responder, const Result<T>& result, int status, ToJson&& to_json);

}  // namespace sundial::api

#include "server/http/error_response.h"

namespace sundial::api {

template <typename T, typename ToJson>
void answer(http::Responder& responder, const Result<T>& result, int status, ToJson&& to_json) {
  if (!result) return responder.send(http::error_response(result.error()));
  responder.send(http::HttpResponse::json(status, to_json(*result)));
}

}  // namespace sundial::api
