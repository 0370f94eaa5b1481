#include "server/http/error_response.h"

#include <string>

namespace sundial::http {

HttpResponse error_response(const Error& error, RetryAfter retry_after) {
  const ErrorInfo& info = error_info(error.code);
  HttpResponse response = HttpResponse::error(info.http_status, info.name, error.message);
  if (retry_after == RetryAfter::kNone) return response;
  int64_t seconds = error.retry_after_ms > 0 ? (error.retry_after_ms + 999) / 1000 : info.retry_after_s;
  if (seconds > 0) response.with_header("Retry-After", std::to_string(seconds));
  return response;
}

}  // namespace sundial::http
