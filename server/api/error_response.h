// The one mapping from an engine Error to an HTTP answer:
//   invalid_argument 400 · not_found 404 · conflict, non_determinism,
//   step_failed, cancelled 409 · unavailable 503 (Retry-After: 1) ·
//   io_error, corruption, internal 500.
// The body is {"error":{"code":<error_code_name>,"message":...}}.
#pragma once

#include "engine/base/error.h"
#include "server/http/message.h"

namespace sundial::api {

int http_status_for(ErrorCode code);
http::HttpResponse error_response(const Error& error);

}  // namespace sundial::api
