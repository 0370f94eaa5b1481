// CorsPolicy: the CORS policy of `[server] cors_origins`, so a web app on
// another origin may call the API from a browser. The list holds origins
// ("https://app.example.com", "http://localhost:5173") or "*" for any.
//
// - An allowed origin is echoed in Access-Control-Allow-Origin (never "*",
//   so the answer is the same whether or not the browser sends
//   credentials), with `Vary: Origin`. No Access-Control-Allow-Credentials:
//   the API authenticates with a bearer header, not cookies.
// - Origins compare exactly after lower-casing (scheme and host; an origin
//   has nothing else but the port) and dropping a default port (:80 for
//   http, :443 for https), as browsers send them.
// - "null" (sandboxed frames, file:// pages: any site can make one) matches
//   only an entry "null", which check_cors_origins refuses, and never "*".
// - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
//   from an allowed origin is answered 204 with the methods and request
//   headers the API takes; from any other origin, 403 forbidden. A preflight
//   carries no Authorization header: answer it before the bearer check.
//   With no origins configured every preflight is refused; a caller that
//   wants such OPTIONS to reach the router as before checks enabled().
//
// Threading: immutable after construction; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "server/http/message.h"

namespace sundial::http {

// Access-Control-Max-Age of a preflight answer, in seconds.
inline constexpr int kCorsMaxAgeSeconds = 600;

// ok when every entry is "*" or an origin scheme://host[:port] with scheme
// http or https: no path (not even a trailing slash), query, fragment, user
// info or wildcard host, a port from 1 to 65535. Otherwise
// invalid_argument "cors_origins: '<entry>' <why>". An empty list is fine
// (CORS off).
Result<void> check_cors_origins(const std::vector<std::string>& origins);

class CorsPolicy {
 public:
  // No origins: disabled, allows nothing.
  CorsPolicy() = default;
  // `origins` as check_cors_origins accepts them; an entry it would refuse
  // matches no Origin a browser sends.
  explicit CorsPolicy(std::vector<std::string> origins);

  // Whether any origin is configured.
  bool enabled() const { return any_ || !origins_.empty(); }
  // Whether the Origin header value `origin` may read answers.
  bool allows(std::string_view origin) const;

  // The headers to add to any answer (errors included, so the client can
  // read them) to a request whose Origin is `origin`: Allow-Origin (the
  // origin as sent), Expose-Headers and Vary: Origin. nullopt when the
  // origin is not allowed or empty: answer without CORS headers.
  std::optional<HeaderList> headers_for(std::string_view origin) const;

  // The answer to a preflight: `origin` and `requested_method` are the
  // values of Origin and Access-Control-Request-Method of an OPTIONS
  // request. nullopt when either is empty (not a preflight: route it as
  // usual); 204 with the Access-Control-Allow-* headers for an allowed
  // origin; otherwise 403 forbidden naming the origin. The answer does not
  // depend on the method or headers asked for: it lists what the API takes
  // and the browser decides.
  std::optional<HttpResponse> preflight(std::string_view origin, std::string_view requested_method) const;
  // The same for a whole request: nullopt unless it is OPTIONS with Origin
  // and Access-Control-Request-Method.
  std::optional<HttpResponse> preflight(const HttpRequest& request) const;

 private:
  bool any_ = false;                  // "*" is listed
  std::vector<std::string> origins_;  // the other entries, normalized
};

}  // namespace sundial::http
