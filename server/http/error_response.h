// error_response: the one mapping from an Error to an HTTP answer. Every
// route, handler and the connection layer answer errors through it, so no
// status or code is picked by hand.
//
//   status       error_info(code).http_status (engine/base/error.h's table)
//   body         {"error":{"code":<wire name>,"message":<message>}}
//   Retry-After  the error's retry_after_ms in whole seconds (rounded up)
//                when set, else the code's retry_after_s; none when 0 or
//                when the caller passes RetryAfter::kNone.
//
// Threading: a pure function; any thread.
#pragma once

#include "engine/base/error.h"
#include "server/http/message.h"

namespace sundial::http {

enum class RetryAfter {
  kDefault,  // from the error, else the code's default
  kNone,     // never: the answer does not invite a retry at a given time
};

HttpResponse error_response(const Error& error, RetryAfter retry_after = RetryAfter::kDefault);

}  // namespace sundial::http
