// HttpRequest: the plain value of one inbound HTTP request. server/http
// parses it off the connection; webhook routes (workflows/module) and the
// providers' signature schemes (connectors/*/..._signature.h) read it. It
// lives here, below both, so a route can be described without the server.
//
// Header names are stored lower-case; lookups take lower-case names.
// Threading: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sundial::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/instances?status=waiting"
  std::string path;    // percent-decoded, without the query: "/api/v1/instances"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  HeaderList headers;                                      // names lower-case, in order
  std::string body;
  // The client address: the TCP peer ("127.0.0.1"), or behind a trusted
  // proxy the forwarded client (server/http/client_address.h).
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

}  // namespace sundial::http
