// HttpRequest and HttpResponse: the plain values that cross between the
// connection layer (server/http) and the handlers (server/api,
// server/webhooks, server/ops). Handlers never see sockets or the parser.
// HttpRequest is defined in connectors/http/inbound_request.h, below the
// workflows, so webhook routes and signature schemes can read it.
//
// Header names are stored lower-case; lookups take lower-case names.
// Threading: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/http/inbound_request.h"

namespace sundial::http {

struct HttpResponse {
  int status = 200;
  HeaderList headers;  // Content-Length and Connection are added by the connection
  std::string body;

  HttpResponse& with_header(std::string name, std::string value);

  static HttpResponse json(int status, const nlohmann::json& body);
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // The API's one error shape: {"error":{"code":..,"message":..}}. Only
  // lays out the body: answer an Error with error_response
  // (error_response.h), which takes status and code from the error table.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// "Not Found" for 404; "Unknown" for what we never send.
std::string_view status_reason(int status);

// Percent-decodes `s` ('+' stays '+' unless `plus_is_space`); nullopt on a
// bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);
// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space); nullopt on a
// bad escape. Used for query strings and form bodies.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view s);

}  // namespace sundial::http
