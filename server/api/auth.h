// Bearer-token check for /api/*: `Authorization: Bearer <token>`, the
// scheme matched in any case (RFC 7235), the token compared in constant
// time. With no token configured every request passes; the
// daemon then refuses to listen anywhere but loopback (is_loopback_host).
// Two narrower tokens: the worker token (SUNDIAL_WORKER_TOKEN) may call
// only the worker routes (is_worker_route), the viewer token
// (SUNDIAL_VIEWER_TOKEN) only the read-only ones (is_read_only_route);
// anything else with them is 403 forbidden. GET /api/v1/session tells a
// client (the dashboard) which role its token has.
//
// Threading: immutable after construction; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace sundial::api {

// What a token may do. kAdmin also when no token is configured.
enum class Role { kAdmin, kViewer, kWorker };
std::string_view role_name(Role role);

class BearerAuth {
 public:
  explicit BearerAuth(std::optional<std::string> token, std::optional<std::string> worker_token = std::nullopt,
                      std::optional<std::string> viewer_token = std::nullopt);

  bool enabled() const { return token_digest_.has_value(); }
  // nullopt when `request` may pass; otherwise the 401 (no or an unknown
  // token) or 403 (a token whose role may not call the route) to answer.
  std::optional<http::HttpResponse> check(const http::HttpRequest& request) const;
  // The role of the request's token; nullopt when it presents none that
  // is known (and a token is configured).
  std::optional<Role> role_of(const http::HttpRequest& request) const;

 private:
  // sha256 hex of each token: a request's token is hashed and compared to
  // these, so the comparison's time tells nothing, not even the length.
  std::optional<std::string> token_digest_;
  std::optional<std::string> worker_token_digest_;
  std::optional<std::string> viewer_token_digest_;
};

// What a worker does: POST /api/v1/queues/{queue}/claim,
// POST /api/v1/tasks/{id}/heartbeat|complete|fail and
// POST /api/v1/tasks:complete.
bool is_worker_route(std::string_view method, std::string_view path);

// What a viewer may do: GET and HEAD (which change nothing), except GET
// /api/v1/webhooks/{name}/verification (it shows a webhook's signing
// secret), and POST /api/v1/stream-tokens (a token that can only read a
// topic's stream).
bool is_read_only_route(std::string_view method, std::string_view path);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace sundial::api
