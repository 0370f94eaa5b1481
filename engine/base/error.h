// Error and Result<T>: the one error vocabulary of every Sundial module,
// from storage up to the HTTP API.
//
// Errors are values on the hot path (STYLE.md section 5). `Result<T>` is a
// [[nodiscard]] std::expected<T, Error>, so a dropped error warns at compile
// time; `ignore_error()` marks the rare deliberate discard.
//
// Every ErrorCode has one row in one table (error.cc, read through
// error_info): its stable wire name (the `error.code` of the HTTP API), its
// HTTP status, whether another attempt may succeed (`retryable`), the
// Retry-After an HTTP answer carries by default, and a one-line meaning.
// The engine never looks at the HTTP columns; server/http/error_response.h
// turns an Error into its answer. docs/errors.md is checked against the
// table by a unit test (ErrorVocabularyTest). To add a code: an enumerator,
// its row, a line in docs/errors.md (docs/architecture.md, "Errors").
//
// Threading: plain values and a constant table, safe from any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sundial {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kConflict,        // the instance's status forbids the command (e.g. pause a completed one)
  kUnavailable,     // try again later: storage recovering, engine closing, overloaded
  kIoError,         // storage failed to read or write
  kCorruption,      // stored bytes cannot be decoded
  kNonDeterminism,  // a replayed workflow asked for something other than its journal holds
  kStepFailed,      // a workflow step failed for good
  kCancelled,
  kInternal,
  kStorageUnavailable,  // storage cannot write now (disk full, I/O error); reopening, retry later
  // Refusals of the HTTP layer (server/http, server/api, server/webhooks).
  kBadRequest,            // malformed HTTP, or a body that is not (an object of) JSON
  kUnauthorized,          // no or a wrong bearer token
  kInvalidSignature,      // a webhook delivery without or with a wrong signature
  kMethodNotAllowed,      // the path exists with other methods
  kRequestTimeout,        // a started request did not arrive in time
  kPayloadTooLarge,       // the body exceeds its limit
  kUnsupportedMediaType,  // a body type the route does not take
  kRateLimited,           // a client's delivery budget is spent
  kTooManyConnections,    // a client holds too many connections
  kHeadersTooLarge,       // request line and headers exceed their limit
  // Limits of user code (the Lua sandbox, workflows/lua/sandbox.h).
  kBudgetExceeded,  // an activation ran more instructions than its budget
  kMemoryExceeded,  // an activation (or its Lua state) needed more memory than its cap
  kForbidden,       // a valid token whose scope does not cover the route (the worker token)
};

// One row of the error table.
struct ErrorInfo {
  ErrorCode code;
  std::string_view name;  // stable snake_case wire name, e.g. "not_found"
  int http_status;        // the status of an HTTP answer with this code
  // Whether the same request or step, repeated unchanged later, may succeed.
  // A step that fails with a retryable code is retried per its RetryPolicy;
  // any other code fails it at once.
  bool retryable;
  // Seconds an HTTP answer with this code asks the client to wait
  // (Retry-After) unless the Error gives its own; 0 = no header.
  int retry_after_s;
  std::string_view meaning;  // one line, for people (docs/errors.md)
};

// The row of `code`.
const ErrorInfo& error_info(ErrorCode code);
// Every row, in enumerator order.
std::span<const ErrorInfo> error_table();
// Stable snake_case wire name, e.g. "not_found".
std::string_view error_code_name(ErrorCode code);
// The code whose wire name is `name`, or nullopt.
std::optional<ErrorCode> error_code_from_name(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // How long to wait before trying again, in ms (0 = none). From a
  // provider's Retry-After: a retried step waits at least this long. In an
  // HTTP answer: its Retry-After, over the code's default (error_response).
  int64_t retry_after_ms = 0;

  // "not_found: instance 'x' does not exist"
  std::string to_string() const;
};

inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// The error of an outside call that failed (a connector's request to a
// provider), by whether another attempt may succeed: unavailable
// (retryable) or invalid_argument (permanent). A step failing with it is
// retried, or not, by the code's `retryable`.
Error failed_call(bool retryable, std::string message, int64_t retry_after_ms = 0);

template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(const std::expected<T, Error>& e) : std::expected<T, Error>(e) {}
  Result(std::expected<T, Error>&& e) : std::expected<T, Error>(std::move(e)) {}
  void ignore_error() const {}
};

template <>
class [[nodiscard]] Result<void> : public std::expected<void, Error> {
 public:
  using std::expected<void, Error>::expected;
  void ignore_error() const {}
};

inline Result<void> ok() { return {}; }

}  // namespace sundial

// Returns the error of `expr` (a Result) from the enclosing function.
#define SUNDIAL_TRY(expr)                                             \
  do {                                                                \
    auto sundial_try_result_ = (expr);                                \
    if (!sundial_try_result_) {                                       \
      return std::unexpected(std::move(sundial_try_result_.error())); \
    }                                                                 \
  } while (0)

#define SUNDIAL_CONCAT_INNER_(a, b) a##b
#define SUNDIAL_CONCAT_(a, b) SUNDIAL_CONCAT_INNER_(a, b)

// `SUNDIAL_ASSIGN_OR_RETURN(auto x, f());` declares x from f()'s value or
// returns f()'s error.
#define SUNDIAL_ASSIGN_OR_RETURN(decl, expr)                                               \
  auto SUNDIAL_CONCAT_(sundial_assign_, __LINE__) = (expr);                                \
  if (!SUNDIAL_CONCAT_(sundial_assign_, __LINE__)) {                                       \
    return std::unexpected(std::move(SUNDIAL_CONCAT_(sundial_assign_, __LINE__).error())); \
  }                                                                                        \
  decl = std::move(*SUNDIAL_CONCAT_(sundial_assign_, __LINE__))
