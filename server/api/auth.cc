#include "server/api/auth.h"

#include <algorithm>
#include <vector>

#include "connectors/signing/hmac.h"
#include "engine/base/text.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

// The path's segments without empty ones ("//" and a trailing "/" add none),
// unlike the router's split, where an empty segment must match exactly.
std::vector<std::string_view> nonempty_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The token of `Bearer <token>`: the scheme in any case (RFC 7235 section
// 2.1), then one or more spaces. Empty when the header is anything else.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer";
  if (header.size() <= kScheme.size() || !ascii_iequals(header.substr(0, kScheme.size()), kScheme) ||
      header[kScheme.size()] != ' ') {
    return {};
  }
  std::string_view rest = header.substr(kScheme.size());
  return rest.substr(std::min(rest.find_first_not_of(' '), rest.size()));
}

}  // namespace

bool is_worker_route(std::string_view method, std::string_view path) {
  if (method != "POST") return false;
  auto segments = nonempty_segments(path);
  if (segments.size() == 3 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "tasks:complete")
    return true;
  if (segments.size() == 5 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "queues" &&
      segments[4] == "claim") {
    return true;
  }
  return segments.size() == 5 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "tasks" &&
         (segments[4] == "heartbeat" || segments[4] == "complete" || segments[4] == "fail");
}

bool is_read_only_route(std::string_view method, std::string_view path) {
  auto segments = nonempty_segments(path);
  if (method == "GET" || method == "HEAD") {
    // A webhook's verification shows what the provider's handshake sent,
    // Notion's signing secret among it: whoever reads it can sign
    // deliveries, so it is the admin's alone.
    return !(segments.size() == 5 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "webhooks" &&
             segments[4] == "verification");
  }
  return method == "POST" && segments.size() == 3 && segments[0] == "api" && segments[1] == "v1" &&
         segments[2] == "stream-tokens";
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kViewer:
      return "viewer";
    case Role::kWorker:
      return "worker";
  }
  return "admin";
}

BearerAuth::BearerAuth(std::optional<std::string> token, std::optional<std::string> worker_token,
                       std::optional<std::string> viewer_token) {
  if (token) token_digest_ = sha256_hex(*token);
  if (worker_token) worker_token_digest_ = sha256_hex(*worker_token);
  if (viewer_token) viewer_token_digest_ = sha256_hex(*viewer_token);
}

std::optional<Role> BearerAuth::role_of(const http::HttpRequest& request) const {
  if (!token_digest_) return Role::kAdmin;
  const std::string* header = request.header("authorization");
  std::string_view presented = header != nullptr ? bearer_token(*header) : std::string_view();
  if (presented.empty()) return std::nullopt;
  // Digests of equal length, so the comparison's time tells nothing, not
  // even the token's length.
  std::string digest = sha256_hex(presented);
  if (constant_time_equal(digest, *token_digest_)) return Role::kAdmin;
  if (worker_token_digest_ && constant_time_equal(digest, *worker_token_digest_)) return Role::kWorker;
  if (viewer_token_digest_ && constant_time_equal(digest, *viewer_token_digest_)) return Role::kViewer;
  return std::nullopt;
}

std::optional<http::HttpResponse> BearerAuth::check(const http::HttpRequest& request) const {
  std::optional<Role> role = role_of(request);
  if (role == Role::kAdmin) return std::nullopt;
  if (role == Role::kWorker) {
    if (is_worker_route(request.method, request.path)) return std::nullopt;
    return http::error_response(Error{ErrorCode::kForbidden,
                                      "the worker token may only claim tasks and heartbeat, complete or fail "
                                      "them; use the admin token for " +
                                          request.method + " " + request.path});
  }
  if (role == Role::kViewer) {
    if (is_read_only_route(request.method, request.path)) return std::nullopt;
    bool reads = request.method == "GET" || request.method == "HEAD";
    return http::error_response(
        Error{ErrorCode::kForbidden, std::string(reads ? "the viewer token may not read what holds a secret"
                                                       : "the viewer token may only read") +
                                         "; use the admin token for " + request.method + " " + request.path});
  }
  const std::string* header = request.header("authorization");
  auto denied = http::error_response(
      Error{ErrorCode::kUnauthorized,
            header == nullptr ? "missing Authorization: Bearer <token>" : "invalid bearer token"});
  denied.with_header("WWW-Authenticate", "Bearer realm=\"sundial\"");
  return denied;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace sundial::api
