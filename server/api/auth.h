// Bearer-token check for /api/*: `Authorization: Bearer <token>`, the
// scheme matched in any case (RFC 7235), the token compared in constant
// time. With no token configured every request passes; the
// daemon then refuses to listen anywhere but loopback (is_loopback_host).
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
  explicit BearerAuth(std::optional<std::string> token) : token_(std::move(token)) {}

  bool enabled() const { return token_.has_value(); }
  // nullopt when `request` may pass; otherwise the 401 to answer.
  std::optional<http::HttpResponse> check(const http::HttpRequest& request) const;

 private:
  std::optional<std::string> token_;
};

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace sundial::api
