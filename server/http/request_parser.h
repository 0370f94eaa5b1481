// RequestParser: turns the bytes of one connection into complete
// HttpRequests with llhttp, enforcing the size limits as the bytes arrive
// (a too-large body is refused from its Content-Length, before it is read).
// Pipelined requests come out one by one, in order.
//
// Strict framing (request smuggling): besides what llhttp 8.1 refuses,
// these are 400 — bytes other than CRLF after chunk data (llhttp 8.1 skips
// any two bytes there), a header name that is not a token ("Bad Header"),
// obs-fold and other control characters in a header value, a version
// other than HTTP/1.0 and 1.1, HTTP/1.1 without exactly one Host,
// Transfer-Encoding in HTTP/1.0, and any trailer field after a chunked
// body. llhttp's lenient flags all stay off (its default).
//
// Every llhttp callback is noexcept: a throw inside one (out of memory)
// becomes a 500 failure, never an unwind through C.
//
// Threading: owned by one Connection, on the loop thread.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "server/http/body_budget.h"
#include "server/http/message.h"

namespace sundial::http {

struct ParserLimits {
  size_t max_header_bytes = 0;  // request line + headers
  size_t max_body_bytes = 0;
  // Shared bound on the bytes of bodies being received (nullptr: none).
  std::shared_ptr<BodyBudget> bodies = nullptr;
  // Where the read and idle timeouts read the time: monotonic_clock() in
  // the server, a ManualClock in tests. Borrowed; outlives the parser.
  const Clock* clock = &monotonic_clock();
};

// Why the parser stopped: answered with error_response(error()) and the
// connection closes. status, code and retry_after_s are error_code's row of
// the error table (engine/base/error.h).
struct ParseFailure {
  ParseFailure(ErrorCode error_code, std::string message);
  ErrorCode error_code;
  int status;             // 400, 413, 431, 500, 503
  std::string_view code;  // "bad_request", "headers_too_large", "payload_too_large", ...
  std::string message;
  int retry_after_s;  // > 0: answered with Retry-After
  Error error() const { return Error{error_code, message}; }
};

class RequestParser {
 public:
  RequestParser(ParserLimits limits, std::string peer_ip);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Called when a request's headers ask for "Expect: 100-continue" and its
  // body is within the limit: the connection sends the interim response.
  std::function<void()> on_expect_continue;

  // Parses `data`. Complete requests queue up for next(); returns false once
  // the input is malformed or over a limit (see failure()); later input is
  // ignored.
  bool feed(const char* data, size_t size);
  // The end of input from the peer (a request cut short is malformed).
  void finish();

  std::optional<HttpRequest> next();
  bool has_ready() const { return !ready_.empty(); }
  const std::optional<ParseFailure>& failure() const { return failure_; }
  // Bytes of a request begun and not yet complete are buffered.
  bool in_request() const { return in_message_; }
  // When the request in progress began (limits.clock), for the read timeout.
  int64_t request_started_at_ms() const { return started_at_ms_; }

 private:
  static int on_message_begin(llhttp_t* p) noexcept;
  static int on_url(llhttp_t* p, const char* at, size_t len) noexcept;
  static int on_header_field(llhttp_t* p, const char* at, size_t len) noexcept;
  static int on_header_field_complete(llhttp_t* p) noexcept;
  static int on_header_value(llhttp_t* p, const char* at, size_t len) noexcept;
  static int on_header_value_complete(llhttp_t* p) noexcept;
  static int on_headers_complete(llhttp_t* p) noexcept;
  static int on_chunk_header(llhttp_t* p) noexcept;
  static int on_body(llhttp_t* p, const char* at, size_t len) noexcept;
  static int on_message_complete(llhttp_t* p) noexcept;
  // Runs `step` on the parser of `p`; a throw becomes an internal failure.
  template <typename Step>
  static int guarded(llhttp_t* p, Step step) noexcept;

  int message_begin();
  int header_field(const char* at, size_t len);
  int header_field_complete();
  int header_value_complete();
  int headers_complete();
  int body(const char* at, size_t len);
  int message_complete();

  // Adds to the request line + header bytes; false (and 431) over the limit.
  bool count_header_bytes(size_t n);
  int fail(ErrorCode code, std::string message);
  int body_too_large();
  bool finish_target();
  // Checks that the bytes from `from` (up to the end of the bytes being
  // parsed) continue the CRLF due after chunk data.
  bool check_chunk_crlf(const char* from);
  void release_body_budget();

  ParserLimits limits_;
  std::string peer_ip_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  HttpRequest current_;
  std::string field_;
  bool in_message_ = false;
  bool headers_done_ = false;    // what follows are body and trailers
  bool internal_error_ = false;  // a callback threw
  size_t header_bytes_ = 0;
  uint64_t chunk_left_ = 0;            // data bytes of the current chunk still to come
  int crlf_left_ = 0;                  // bytes of the CRLF after chunk data still to check
  const char* input_begin_ = nullptr;  // the bytes being parsed
  const char* input_end_ = nullptr;
  char last_input_byte_ = 0;  // the last byte of the previous input
  size_t body_reserved_ = 0;  // taken from limits_.bodies for this message
  int64_t started_at_ms_ = 0;
  std::deque<HttpRequest> ready_;
  std::optional<ParseFailure> failure_;
};

// Steady-clock time in microseconds, for request durations (metrics and
// the access log); timeouts read ParserLimits::clock instead.
int64_t steady_now_us();

}  // namespace sundial::http
