#include "engine/base/error.h"

#include <array>

namespace sundial {

namespace {

using enum ErrorCode;

// The one error table. Rows in enumerator order (checked below). `retryable`
// is set deliberately for each code: ErrorTableTest and docs/errors.md
// check it.
constexpr std::array kTable = {
    //       code                   name                      HTTP  retryable  Retry-After  meaning
    ErrorInfo{kInvalidArgument, "invalid_argument", 400, false, 0,
              "the request or its input is well-formed but not acceptable"},
    ErrorInfo{kNotFound, "not_found", 404, false, 0, "no such instance, workflow type or route"},
    ErrorInfo{kConflict, "conflict", 409, false, 0, "the instance's status forbids the command"},
    ErrorInfo{kUnavailable, "unavailable", 503, true, 1,
              "try again later: the engine is recovering or closing, or the server is overloaded"},
    ErrorInfo{kIoError, "io_error", 500, true, 0,
              "storage failed to read or write; the command did not happen"},
    ErrorInfo{kCorruption, "corruption", 500, false, 0, "stored bytes cannot be decoded"},
    ErrorInfo{kNonDeterminism, "non_determinism", 409, false, 0,
              "a replayed workflow asked for something other than its journal holds"},
    ErrorInfo{kStepFailed, "step_failed", 409, false, 0, "a workflow step failed for good"},
    ErrorInfo{kCancelled, "cancelled", 409, false, 0, "the instance was cancelled"},
    ErrorInfo{kInternal, "internal", 500, true, 0,
              "a bug, e.g. a step or handler that threw or did not answer"},
    ErrorInfo{kStorageUnavailable, "storage_unavailable", 503, true, 1,
              "storage cannot write now (disk full, I/O error); it reopens by itself, repeat later"},
    ErrorInfo{kBadRequest, "bad_request", 400, false, 0,
              "malformed HTTP, or a body that is not valid JSON or not a JSON object"},
    ErrorInfo{kUnauthorized, "unauthorized", 401, false, 0, "no bearer token, or a wrong one"},
    ErrorInfo{kInvalidSignature, "invalid_signature", 401, false, 0,
              "a webhook delivery without its signature or with a wrong one"},
    ErrorInfo{kMethodNotAllowed, "method_not_allowed", 405, false, 0, "the path exists with other methods"},
    ErrorInfo{kRequestTimeout, "request_timeout", 408, true, 0,
              "a started request did not arrive completely in time"},
    ErrorInfo{kPayloadTooLarge, "payload_too_large", 413, false, 0, "the body exceeds the limit"},
    ErrorInfo{kUnsupportedMediaType, "unsupported_media_type", 415, false, 0,
              "a body type the route does not take"},
    ErrorInfo{kRateLimited, "rate_limited", 429, true, 1, "the client's delivery budget is spent"},
    ErrorInfo{kTooManyConnections, "too_many_connections", 429, true, 1,
              "the client already holds its share of connections"},
    ErrorInfo{kHeadersTooLarge, "headers_too_large", 431, false, 0,
              "request line and headers exceed the limit"},
    ErrorInfo{kBudgetExceeded, "budget_exceeded", 422, false, 0,
              "workflow code ran more instructions than its budget without waiting"},
    ErrorInfo{kMemoryExceeded, "memory_exceeded", 422, false, 0,
              "workflow code needed more memory than its cap"},
    ErrorInfo{kForbidden, "forbidden", 403, false, 0,
              "the token may not call this route (the worker token calls only the worker routes)"},
};

// Lists every enumerator: -Wswitch (an error with -Werror) refuses a new
// ErrorCode until it is listed here, and then the count below refuses it
// until it has its row.
constexpr bool is_enumerator(ErrorCode code) {
  switch (code) {
    case kInvalidArgument:
    case kNotFound:
    case kConflict:
    case kUnavailable:
    case kIoError:
    case kCorruption:
    case kNonDeterminism:
    case kStepFailed:
    case kCancelled:
    case kInternal:
    case kStorageUnavailable:
    case kBadRequest:
    case kUnauthorized:
    case kInvalidSignature:
    case kMethodNotAllowed:
    case kRequestTimeout:
    case kPayloadTooLarge:
    case kUnsupportedMediaType:
    case kRateLimited:
    case kTooManyConnections:
    case kHeadersTooLarge:
    case kBudgetExceeded:
    case kMemoryExceeded:
    case kForbidden:
      return true;
  }
  return false;
}

consteval size_t enumerator_count() {
  size_t n = 0;
  while (is_enumerator(static_cast<ErrorCode>(n))) ++n;
  return n;
}

consteval bool rows_in_enumerator_order() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  }
  return true;
}

static_assert(enumerator_count() == kTable.size(), "every ErrorCode needs its row in kTable");
static_assert(rows_in_enumerator_order(), "kTable's rows follow the enumerators' order");

}  // namespace

const ErrorInfo& error_info(ErrorCode code) {
  auto index = static_cast<size_t>(code);
  return index < kTable.size() ? kTable[index] : kTable[static_cast<size_t>(kInternal)];
}

std::span<const ErrorInfo> error_table() { return kTable; }

std::string_view error_code_name(ErrorCode code) { return error_info(code).name; }

std::optional<ErrorCode> error_code_from_name(std::string_view name) {
  for (const ErrorInfo& row : kTable) {
    if (row.name == name) return row.code;
  }
  return std::nullopt;
}

Error failed_call(bool retryable, std::string message, int64_t retry_after_ms) {
  ErrorCode code = retryable ? kUnavailable : kInvalidArgument;
  static_assert(kTable[static_cast<size_t>(kUnavailable)].retryable &&
                !kTable[static_cast<size_t>(kInvalidArgument)].retryable);
  return Error{code, std::move(message), retry_after_ms};
}

std::string Error::to_string() const {
  std::string out(error_code_name(code));
  out += ": ";
  out += message;
  return out;
}

}  // namespace sundial
