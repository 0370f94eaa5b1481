// RequestParser: turns the bytes of one connection into complete
// HttpRequests with llhttp, enforcing the size limits as the bytes arrive
// (a too-large body is refused from its Content-Length, before it is read).
// Pipelined requests come out one by one, in order.
//
// Threading: owned by one Connection, on the loop thread.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "server/http/message.h"

namespace sundial::http {

struct ParserLimits {
  size_t max_header_bytes = 0;  // request line + headers
  size_t max_body_bytes = 0;
};

// Why the parser stopped: answered with `status` and the connection closes.
struct ParseFailure {
  int status = 400;
  std::string code;  // "bad_request", "headers_too_large", "payload_too_large"
  std::string message;
};

class RequestParser {
 public:
  RequestParser(ParserLimits limits, std::string peer_ip);
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
  const std::optional<ParseFailure>& failure() const { return failure_; }
  // Bytes of a request begun and not yet complete are buffered.
  bool in_request() const { return in_message_; }
  // When the request in progress began (steady ms), for the read timeout.
  int64_t request_started_at_ms() const { return started_at_ms_; }

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, size_t len);
  static int on_header_field(llhttp_t* p, const char* at, size_t len);
  static int on_header_value(llhttp_t* p, const char* at, size_t len);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_message_complete(llhttp_t* p);

  // Adds to the request line + header bytes; false (and 431) over the limit.
  bool count_header_bytes(size_t n);
  int fail(int status, std::string code, std::string message);
  int body_too_large();
  bool finish_target();

  ParserLimits limits_;
  std::string peer_ip_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  HttpRequest current_;
  std::string field_;
  bool in_value_ = false;
  bool in_message_ = false;
  size_t header_bytes_ = 0;
  int64_t started_at_ms_ = 0;
  std::deque<HttpRequest> ready_;
  std::optional<ParseFailure> failure_;
};

// Steady-clock time (latency and timeouts, not wall time).
int64_t steady_now_ms();
int64_t steady_now_us();

}  // namespace sundial::http
