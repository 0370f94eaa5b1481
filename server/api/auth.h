// Bearer-token check for /api/*: `Authorization: Bearer <token>`, the
// scheme matched in any case (RFC 7235), the token compared in constant
// time. With no token configured every request passes; the
// daemon then refuses to listen anywhere but loopback (is_loopback_host).
// A second, narrower token (SUNDIAL_WORKER_TOKEN) may call only the worker
// routes (is_worker_route); anything else with it is 403 forbidden.
//
// Threading: immutable after construction; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace sundial::api {

class BearerAuth {
 public:
  explicit BearerAuth(std::optional<std::string> token,
                      std::optional<std::string> worker_token = std::nullopt);

  bool enabled() const { return token_digest_.has_value(); }
  // nullopt when `request` may pass; otherwise the 401 to answer.
  std::optional<http::HttpResponse> check(const http::HttpRequest& request) const;

 private:
  // sha256 hex of each token: a request's token is hashed and compared to
  // these, so the comparison's time tells nothing, not even the length.
  std::optional<std::string> token_digest_;
  std::optional<std::string> worker_token_digest_;
};

// What a worker does: POST /api/v1/queues/{queue}/claim,
// POST /api/v1/tasks/{id}/heartbeat|complete|fail and
// POST /api/v1/tasks:complete.
bool is_worker_route(std::string_view method, std::string_view path);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace sundial::api
