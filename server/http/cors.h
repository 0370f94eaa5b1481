// CorsPolicy: the CORS policy of `[server] cors_origins`, the one allow-list
// of the origins whose browser pages may call sundiald: the admin API, the
// topic streams and the webhook routes (docs/events.md, "CORS"). The list
// holds origins ("https://app.example.com", "http://localhost:5173") or
// "*" for any.
//
// - An allowed origin is echoed in Access-Control-Allow-Origin (never "*",
//   so the answer is the same whether or not the browser sends
//   credentials), with `Vary: Origin`. No Access-Control-Allow-Credentials:
//   sundiald authenticates with bearer headers and tokens, not cookies.
// - Origins compare exactly after lower-casing (scheme and host; an origin
//   has nothing else but the port) and dropping a default port (:80 for
//   http, :443 for https), as browsers send them.
// - "null" (sandboxed frames, file:// pages: any site can make one) matches
//   only an entry "null", which check_cors_origins refuses, and never "*".
// - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
//   from an allowed origin is answered 204 with the methods and request
//   headers of the route family asked for (CorsRules: the admin API, a
//   topic stream, a webhook); from any other origin, 403 forbidden. A
//   preflight carries no Authorization header: answer it before the bearer
//   check. With no origins configured every preflight is refused; a caller
//   that wants such OPTIONS to reach the router as before checks enabled().
//   Which family a request belongs to is the caller's knowledge
//   (SundialServer); this class knows no routes.
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

// What one family of routes takes from a page of an allowed origin: the
// methods and request headers a preflight allows (lower case), and the
// response headers the page may read besides the CORS-safelisted ones.
struct CorsRules {
  std::string_view methods;
  std::string_view headers;
  std::string_view expose;
};

// The admin API (/api/...): every method it serves and the headers it
// reads (docs/http-api.md).
inline constexpr CorsRules kAdminApiCors{"GET, POST, PUT, PATCH, DELETE",
                                         "authorization, content-type, idempotency-key, last-event-id",
                                         "Retry-After, WWW-Authenticate, X-Workflow-Version"};
// A topic stream (GET /api/v1/topics/{topic}/stream): an EventSource
// sends Last-Event-ID when it reconnects; a fetch() reader may send a
// bearer header instead of ?access_token=.
inline constexpr CorsRules kTopicStreamCors{"GET", "authorization, last-event-id",
                                            "Retry-After, WWW-Authenticate"};
// A webhook route (/webhooks/...): a page posts JSON or a form. No
// signature header: a secret has no place in a page.
inline constexpr CorsRules kWebhookCors{"POST", "content-type", "Retry-After"};

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
  // origin as sent), Expose-Headers (the family's) and Vary: Origin.
  // nullopt when the origin is not allowed or empty: answer without CORS
  // headers.
  std::optional<HeaderList> headers_for(std::string_view origin,
                                        const CorsRules& rules = kAdminApiCors) const;

  // The answer to a preflight: `origin` and `requested_method` are the
  // values of Origin and Access-Control-Request-Method of an OPTIONS
  // request. nullopt when either is empty (not a preflight: route it as
  // usual); 204 with the Access-Control-Allow-* headers for an allowed
  // origin; otherwise 403 forbidden naming the origin. The answer does not
  // depend on the method or headers asked for: it lists what the family
  // takes (`rules`) and the browser decides.
  std::optional<HttpResponse> preflight(std::string_view origin, std::string_view requested_method,
                                        const CorsRules& rules = kAdminApiCors) const;
  // Whether `request` is a preflight: OPTIONS with Origin and
  // Access-Control-Request-Method.
  static bool is_preflight(const HttpRequest& request);
  // The same for a whole request: nullopt unless it is a preflight.
  std::optional<HttpResponse> preflight(const HttpRequest& request,
                                        const CorsRules& rules = kAdminApiCors) const;

 private:
  bool any_ = false;                  // "*" is listed
  std::vector<std::string> origins_;  // the other entries, normalized
};

}  // namespace sundial::http
