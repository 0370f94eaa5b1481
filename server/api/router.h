// Router: (method, path pattern) → handler. Patterns are literal segments
// and `{name}` captures: "/api/v1/instances/{id}/signals/{name}"; a last
// `{name...}` captures the rest of the path, slashes included (a kv key
// "page/1" sent as "page%2F1" or "page/1"). A path no
// pattern matches is 404 not_found; a path that matches with another method
// is 405 method_not_allowed with an Allow header. HEAD is served by the
// GET route with the body left out (by the connection); a GET route that
// streams answers HEAD 405 instead of opening the stream (Responder).
// A captured segment that is not valid UTF-8 once percent-decoded is 400
// invalid_argument before any handler runs: captures name instances and
// signals, which are stored as JSON text.
//
// Threading: fill at start-up, then loop thread only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/responder.h"

namespace sundial::api {

using PathParams = std::map<std::string, std::string, std::less<>>;

// The route a request goes to.
struct RouteMatch {
  std::string_view pattern;  // "/api/v1/instances/{id}/signals/{name}"
  // The value of the pattern's first capture ("{id}" above): the resource
  // the call is on; empty for a pattern without one.
  std::string first_capture;
};
using RouteHandler =
    std::function<void(http::HttpRequest&& request, const PathParams& params, http::Responder responder)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, RouteHandler handler);

  // Dispatches `request`, or answers 404/405.
  void route(http::HttpRequest&& request, http::Responder responder) const;
  // The pattern `method path` would be routed to, for metrics labels;
  // "unmatched" when none.
  std::string_view matched_pattern(std::string_view method, std::string_view path) const;
  // The route `method path` would be dispatched to (HEAD finds the GET
  // route); nullopt when none (a 404 or 405).
  std::optional<RouteMatch> find(std::string_view method, std::string_view path) const;
  // Every route as (method, pattern), in the order added (the role matrix
  // test walks them).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{id}" marks a capture
    RouteHandler handler;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments, PathParams* params);

  std::vector<Route> routes_;
};

}  // namespace sundial::api
