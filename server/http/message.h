// HttpRequest and HttpResponse: the plain values that cross between the
// connection layer (server/http) and the handlers (server/api,
// server/webhooks, server/ops). Handlers never see sockets or the parser.
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

namespace sundial::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/instances?status=waiting"
  std::string path;    // percent-decoded, without the query: "/api/v1/instances"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  HeaderList headers;  // names lower-case, in order
  std::string body;
  // The client address: the TCP peer ("127.0.0.1"), or behind a trusted
  // proxy the forwarded client (client_address.h).
  std::string peer_ip;
  // When the request began to arrive (steady clock, µs); for latency.
  int64_t received_at_us = 0;
  // Whether HTTP/1.x keep-alive rules let the connection stay open after it.
  bool keep_alive = true;

  // The first header `name` (lower-case), or nullptr.
  const std::string* header(std::string_view name) const;
  // The first query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  // The media type of Content-Type, lower-case, without parameters
  // ("application/json"); empty when absent.
  std::string content_type() const;
};

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
