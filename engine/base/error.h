// Error and Result<T>: the error vocabulary of every Sundial module.
//
// Errors are values on the hot path (STYLE.md section 5). `Result<T>` is a
// [[nodiscard]] std::expected<T, Error>, so a dropped error warns at compile
// time; `ignore_error()` marks the rare deliberate discard. ErrorCode's wire
// names are the stable `error.code` strings of the HTTP API (docs/errors.md).
//
// Threading: plain values, safe to move between threads.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sundial {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kConflict,          // the instance's status forbids the command (e.g. pause a completed one)
  kUnavailable,       // try again later: storage recovering, engine closing, overloaded
  kIoError,           // storage failed to read or write
  kCorruption,        // stored bytes cannot be decoded
  kNonDeterminism,    // a replayed workflow asked for something other than its journal holds
  kStepFailed,        // a workflow step failed for good
  kCancelled,
  kInternal,
  kStorageUnavailable,  // storage cannot write now (disk full, I/O error); reopening, retry later
};

// Stable snake_case wire name, e.g. "not_found".
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // A provider's Retry-After, in ms (0 = none): a retried step waits at
  // least this long.
  int64_t retry_after_ms = 0;

  // "not_found: instance 'x' does not exist"
  std::string to_string() const;
};

inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

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
#define SUNDIAL_TRY(expr)                                         \
  do {                                                            \
    auto sundial_try_result_ = (expr);                            \
    if (!sundial_try_result_) {                                   \
      return std::unexpected(std::move(sundial_try_result_.error())); \
    }                                                             \
  } while (0)

#define SUNDIAL_CONCAT_INNER_(a, b) a##b
#define SUNDIAL_CONCAT_(a, b) SUNDIAL_CONCAT_INNER_(a, b)

// `SUNDIAL_ASSIGN_OR_RETURN(auto x, f());` declares x from f()'s value or
// returns f()'s error.
#define SUNDIAL_ASSIGN_OR_RETURN(decl, expr)                                  \
  auto SUNDIAL_CONCAT_(sundial_assign_, __LINE__) = (expr);                   \
  if (!SUNDIAL_CONCAT_(sundial_assign_, __LINE__)) {                          \
    return std::unexpected(std::move(SUNDIAL_CONCAT_(sundial_assign_, __LINE__).error())); \
  }                                                                           \
  decl = std::move(*SUNDIAL_CONCAT_(sundial_assign_, __LINE__))
