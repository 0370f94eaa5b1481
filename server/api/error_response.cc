#include "server/api/error_response.h"

namespace sundial::api {

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kNonDeterminism:
    case ErrorCode::kStepFailed:
    case ErrorCode::kCancelled: return 409;
    case ErrorCode::kUnavailable:
    case ErrorCode::kStorageUnavailable: return 503;
    case ErrorCode::kIoError:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::HttpResponse error_response(const Error& error) {
  auto response = http::HttpResponse::error(http_status_for(error.code), error_code_name(error.code),
                                            error.message);
  if (error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kStorageUnavailable) response.with_header("Retry-After", "1");
  return response;
}

}  // namespace sundial::api
