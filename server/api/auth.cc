#include "server/api/auth.h"

#include <algorithm>

#include "connectors/signing/hmac.h"
#include "engine/base/text.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

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

std::optional<http::HttpResponse> BearerAuth::check(const http::HttpRequest& request) const {
  if (!token_) return std::nullopt;
  const std::string* header = request.header("authorization");
  std::string_view presented = header != nullptr ? bearer_token(*header) : std::string_view();
  // Digests of equal length, so the comparison's time tells nothing, not
  // even the token's length.
  if (!presented.empty() && constant_time_equal(sha256_hex(presented), sha256_hex(*token_)))
    return std::nullopt;
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
