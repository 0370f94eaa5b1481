// The stable `error.code` strings the server answers with, beyond the
// engine's own (engine/base/error.h error_code_name). One list, from the
// HTTP layer up, so no code is spelled ad hoc; docs/errors.md documents each.
#pragma once

namespace sundial::codes {

inline constexpr const char* kBadRequest = "bad_request";                    // 400
inline constexpr const char* kInvalidArgument = "invalid_argument";          // 400
inline constexpr const char* kUnauthorized = "unauthorized";                 // 401
inline constexpr const char* kInvalidSignature = "invalid_signature";        // 401
inline constexpr const char* kNotFound = "not_found";                        // 404
inline constexpr const char* kMethodNotAllowed = "method_not_allowed";       // 405
inline constexpr const char* kRequestTimeout = "request_timeout";            // 408
inline constexpr const char* kPayloadTooLarge = "payload_too_large";         // 413
inline constexpr const char* kUnsupportedMediaType = "unsupported_media_type";  // 415
inline constexpr const char* kRateLimited = "rate_limited";                  // 429
inline constexpr const char* kTooManyConnections = "too_many_connections";  // 429
inline constexpr const char* kHeadersTooLarge = "headers_too_large";         // 431
inline constexpr const char* kInternal = "internal";                         // 500
inline constexpr const char* kUnavailable = "unavailable";                   // 503

}  // namespace sundial::codes
