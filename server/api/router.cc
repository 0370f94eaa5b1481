#include "server/api/router.h"

#include "engine/base/utf8.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // paths begin with '/'
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "{key...}": the rest of the path, slashes included.
bool is_rest_capture(std::string_view segment) { return is_capture(segment) && segment.ends_with("...}"); }

}  // namespace

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::string(pattern);
  for (auto s : split_path(pattern)) r.segments.emplace_back(s);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments, PathParams* params) {
  bool rest = !route.segments.empty() && is_rest_capture(route.segments.back());
  if (rest ? segments.size() < route.segments.size() : route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (rest && i + 1 == route.segments.size()) {
      std::string joined;
      for (size_t j = i; j < segments.size(); ++j) {
        if (j > i) joined += '/';
        joined.append(segments[j]);
      }
      if (joined.empty()) return false;
      if (params != nullptr) (*params)[want.substr(1, want.size() - 5)] = std::move(joined);
    } else if (is_capture(want)) {
      if (segments[i].empty()) return false;
      if (params != nullptr) (*params)[want.substr(1, want.size() - 2)] = std::string(segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::route(http::HttpRequest&& request, http::Responder responder) const {
  auto segments = split_path(request.path);
  std::string allowed;
  for (const auto& r : routes_) {
    PathParams params;
    if (!match(r, segments, &params)) continue;
    for (const auto& [name, value] : params) {
      if (auto valid = check_utf8("path segment {" + name + "}", value); !valid) {
        return responder.send(
            http::error_response(Error{ErrorCode::kInvalidArgument, valid.error().message}));
      }
    }
    if (r.method == request.method) return r.handler(std::move(request), params, std::move(responder));
    if (request.method == "HEAD" && r.method == "GET") {
      responder.mark_head();  // headers only; a stream answers 405
      return r.handler(std::move(request), params, std::move(responder));
    }
    if (allowed.find(r.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + r.method;
  }
  if (!allowed.empty()) {
    return responder.send(
        http::error_response(Error{ErrorCode::kMethodNotAllowed, request.method + " is not allowed on " +
                                                                     request.path + "; allowed: " + allowed})
            .with_header("Allow", allowed));
  }
  responder.send(http::error_response(Error{ErrorCode::kNotFound, "no route for " + request.path}));
}

std::string_view Router::matched_pattern(std::string_view method, std::string_view path) const {
  auto found = find(method, path);
  return found ? found->pattern : std::string_view("unmatched");
}

std::optional<RouteMatch> Router::find(std::string_view method, std::string_view path) const {
  auto segments = split_path(path);
  for (const auto& r : routes_) {
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) continue;
    PathParams params;
    if (!match(r, segments, &params)) continue;
    RouteMatch found{r.pattern, {}};
    for (const std::string& segment : r.segments) {
      if (!is_capture(segment)) continue;
      std::string_view name(segment);
      name = name.substr(1, name.size() - (is_rest_capture(segment) ? 5 : 2));
      if (auto it = params.find(name); it != params.end()) found.first_capture = it->second;
      break;
    }
    return found;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace sundial::api
