#include "server/api/auth.h"

#include "connectors/signing/hmac.h"
#include "server/http/error_codes.h"

namespace sundial::api {

std::optional<http::HttpResponse> BearerAuth::check(const http::HttpRequest& request) const {
  if (!token_) return std::nullopt;
  const std::string* header = request.header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view presented;
  if (header != nullptr && header->size() > kScheme.size() &&
      std::string_view(*header).substr(0, kScheme.size()) == kScheme) {
    presented = std::string_view(*header).substr(kScheme.size());
  }
  if (!presented.empty() && constant_time_equal(presented, *token_)) return std::nullopt;
  auto denied = http::HttpResponse::error(
      401, codes::kUnauthorized,
      header == nullptr ? "missing Authorization: Bearer <token>" : "invalid bearer token");
  denied.with_header("WWW-Authenticate", "Bearer realm=\"sundial\"");
  return denied;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace sundial::api
