#include "server/http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "engine/base/text.h"

namespace sundial::http {

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

// RFC 9110 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

// A field value holds visible characters, SP and HTAB only: a CR or LF
// here is obs-fold (or a bare line break) that llhttp let through.
bool is_field_value(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits, std::string peer_ip)
    : limits_(std::move(limits)), peer_ip_(std::move(peer_ip)) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::on_message_begin;
  settings_.on_url = &RequestParser::on_url;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_field_complete = &RequestParser::on_header_field_complete;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_header_value_complete = &RequestParser::on_header_value_complete;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  settings_.on_chunk_header = &RequestParser::on_chunk_header;
  settings_.on_body = &RequestParser::on_body;
  settings_.on_message_complete = &RequestParser::on_message_complete;
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

RequestParser::~RequestParser() { release_body_budget(); }

bool RequestParser::feed(const char* data, size_t size) {
  if (failure_) return false;
  if (size == 0) return true;
  input_begin_ = data;
  input_end_ = data + size;
  struct Remember {
    char& last;
    char byte;
    ~Remember() { last = byte; }
  } remember{last_input_byte_, data[size - 1]};
  // The rest of a CRLF after chunk data that the previous input cut.
  if (crlf_left_ > 0 && !check_chunk_crlf(data)) return false;
  llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  // An Upgrade request (h2c, websocket) is served as plain HTTP/1.1, as
  // RFC 9110 allows: parsing goes on after it.
  while (err == HPE_PAUSED_UPGRADE && !failure_ && !internal_error_) {
    const char* pos = llhttp_get_error_pos(&parser_);
    llhttp_resume_after_upgrade(&parser_);
    size -= static_cast<size_t>(pos - data);
    data = pos;
    err = size > 0 ? llhttp_execute(&parser_, data, size) : HPE_OK;
  }
  if (internal_error_ && !failure_) fail(ErrorCode::kInternal, "the server could not parse the request");
  if (failure_) return false;
  if (err != HPE_OK) {
    fail(ErrorCode::kBadRequest, std::string("malformed HTTP request: ") + llhttp_errno_name(err) + ": " +
                                     (parser_.reason != nullptr ? parser_.reason : "parse error"));
    return false;
  }
  return true;
}

void RequestParser::finish() {
  if (failure_ || !in_message_) return;
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (err != HPE_OK && !failure_) fail(ErrorCode::kBadRequest, "the request ended before it was complete");
}

std::optional<HttpRequest> RequestParser::next() {
  if (ready_.empty()) return std::nullopt;
  HttpRequest r = std::move(ready_.front());
  ready_.pop_front();
  return r;
}

int RequestParser::body_too_large() {
  return fail(ErrorCode::kPayloadTooLarge,
              "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
}

ParseFailure::ParseFailure(ErrorCode error_code_in, std::string message_in)
    : error_code(error_code_in),
      status(error_info(error_code_in).http_status),
      code(error_info(error_code_in).name),
      message(std::move(message_in)),
      retry_after_s(error_info(error_code_in).retry_after_s) {}

int RequestParser::fail(ErrorCode code, std::string message) {
  if (!failure_) failure_.emplace(code, std::move(message));
  release_body_budget();
  return -1;
}

void RequestParser::release_body_budget() {
  if (limits_.bodies && body_reserved_ > 0) limits_.bodies->give_back(body_reserved_);
  body_reserved_ = 0;
}

bool RequestParser::count_header_bytes(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  fail(ErrorCode::kHeadersTooLarge,
       "the request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  return false;
}

bool RequestParser::check_chunk_crlf(const char* from) {
  for (const char* c = from; crlf_left_ > 0 && c < input_end_; ++c, --crlf_left_) {
    if (*c != (crlf_left_ == 2 ? '\r' : '\n')) {
      fail(ErrorCode::kBadRequest, "malformed HTTP request: chunk data is not followed by CRLF");
      return false;
    }
  }
  return true;
}

template <typename Step>
int RequestParser::guarded(llhttp_t* p, Step step) noexcept {
  RequestParser& s = self(p);
  try {
    return step(s);
  } catch (...) {
    // Nothing that can throw again here; feed() turns the flag into a 500.
    s.internal_error_ = true;
    return -1;
  }
}

int RequestParser::on_message_begin(llhttp_t* p) noexcept {
  return guarded(p, [](RequestParser& s) { return s.message_begin(); });
}
int RequestParser::on_url(llhttp_t* p, const char* at, size_t len) noexcept {
  return guarded(p, [at, len](RequestParser& s) {
    if (!s.count_header_bytes(len)) return -1;
    s.current_.target.append(at, len);
    return 0;
  });
}
int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t len) noexcept {
  return guarded(p, [at, len](RequestParser& s) { return s.header_field(at, len); });
}
int RequestParser::on_header_field_complete(llhttp_t* p) noexcept {
  return guarded(p, [](RequestParser& s) { return s.header_field_complete(); });
}
int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t len) noexcept {
  return guarded(p, [at, len](RequestParser& s) {
    if (!s.count_header_bytes(len)) return -1;
    // llhttp 8.1 joins an obs-fold line to the value: its span then starts
    // right after the line's LF.
    char before = at > s.input_begin_ ? at[-1] : s.last_input_byte_;
    if (len > 0 && before == '\n') {
      return s.fail(ErrorCode::kBadRequest, "malformed HTTP request: a folded header line (obs-fold)");
    }
    if (!s.current_.headers.empty()) s.current_.headers.back().second.append(at, len);
    return 0;
  });
}
int RequestParser::on_header_value_complete(llhttp_t* p) noexcept {
  return guarded(p, [](RequestParser& s) { return s.header_value_complete(); });
}
int RequestParser::on_headers_complete(llhttp_t* p) noexcept {
  return guarded(p, [](RequestParser& s) { return s.headers_complete(); });
}
int RequestParser::on_chunk_header(llhttp_t* p) noexcept {
  return guarded(p, [p](RequestParser& s) {
    s.chunk_left_ = p->content_length;
    return 0;
  });
}
int RequestParser::on_body(llhttp_t* p, const char* at, size_t len) noexcept {
  return guarded(p, [at, len](RequestParser& s) { return s.body(at, len); });
}
int RequestParser::on_message_complete(llhttp_t* p) noexcept {
  return guarded(p, [](RequestParser& s) { return s.message_complete(); });
}

int RequestParser::message_begin() {
  release_body_budget();
  current_ = HttpRequest{};
  current_.peer_ip = peer_ip_;
  field_.clear();
  header_bytes_ = 0;
  headers_done_ = false;
  chunk_left_ = 0;
  crlf_left_ = 0;
  in_message_ = true;
  started_at_ms_ = limits_.clock->now_ms();
  current_.received_at_us = steady_now_us();
  return 0;
}

int RequestParser::header_field(const char* at, size_t len) {
  if (headers_done_) {
    // Trailer fields could carry credentials or framing past a proxy that
    // only looked at the head: none are accepted.
    return fail(ErrorCode::kBadRequest, "malformed HTTP request: trailer fields are not accepted");
  }
  if (!count_header_bytes(len)) return -1;
  field_.append(at, len);
  return 0;
}

int RequestParser::header_field_complete() {
  if (!is_token(field_)) {
    return fail(ErrorCode::kBadRequest, "malformed HTTP request: a header name is not a token");
  }
  current_.headers.emplace_back(ascii_lower(field_), std::string());
  field_.clear();
  return 0;
}

int RequestParser::header_value_complete() {
  if (current_.headers.empty()) return 0;
  if (!is_field_value(current_.headers.back().second)) {
    return fail(ErrorCode::kBadRequest, "malformed HTTP request: header '" + current_.headers.back().first +
                                            "' holds a control character or a folded line (obs-fold)");
  }
  return 0;
}

bool RequestParser::finish_target() {
  const std::string& target = current_.target;
  if (target.empty() || target[0] != '/') return false;
  size_t q = target.find('?');
  auto path = percent_decode(std::string_view(target).substr(0, q));
  if (!path) return false;
  current_.path = std::move(*path);
  if (q != std::string::npos) {
    auto query = parse_form(std::string_view(target).substr(q + 1));
    if (!query) return false;
    current_.query = std::move(*query);
  }
  return true;
}

int RequestParser::headers_complete() {
  headers_done_ = true;
  current_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return fail(ErrorCode::kBadRequest, "malformed HTTP request: HTTP/" + std::to_string(parser_.http_major) +
                                            "." + std::to_string(parser_.http_minor) +
                                            " is not served; use HTTP/1.1");
  }
  if (!finish_target()) {
    return fail(ErrorCode::kBadRequest, "the request target is not a valid origin-form path");
  }
  // Trim the optional whitespace llhttp leaves at the end of values.
  size_t hosts = 0;
  for (auto& [name, value] : current_.headers) {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (name == "host") ++hosts;
  }
  if (parser_.http_minor == 1 && hosts != 1) {
    return fail(ErrorCode::kBadRequest, hosts == 0 ? "malformed HTTP request: HTTP/1.1 requires a Host header"
                                                   : "malformed HTTP request: more than one Host header");
  }
  if (parser_.http_minor == 0 && (parser_.flags & (F_CHUNKED | F_TRANSFER_ENCODING)) != 0) {
    return fail(ErrorCode::kBadRequest,
                "malformed HTTP request: Transfer-Encoding is not allowed in HTTP/1.0");
  }
  if ((parser_.flags & F_CONTENT_LENGTH) != 0) {
    if (parser_.content_length > limits_.max_body_bytes) return body_too_large();
    size_t declared = static_cast<size_t>(parser_.content_length);
    if (declared > 0 && limits_.bodies) {
      if (!limits_.bodies->take(declared)) {
        return fail(ErrorCode::kUnavailable, "too many request bodies are being received; retry later");
      }
      body_reserved_ = declared;
    }
  }
  const std::string* expect = current_.header("expect");
  if (expect != nullptr && on_expect_continue && ascii_lower(*expect) == "100-continue") {
    on_expect_continue();
  }
  return 0;
}

int RequestParser::body(const char* at, size_t len) {
  if (current_.body.size() + len > limits_.max_body_bytes) return body_too_large();
  if ((parser_.flags & F_CHUNKED) != 0) {
    if (limits_.bodies) {
      if (!limits_.bodies->take(len)) {
        return fail(ErrorCode::kUnavailable, "too many request bodies are being received; retry later");
      }
      body_reserved_ += len;
    }
    chunk_left_ -= std::min<uint64_t>(chunk_left_, len);
    if (chunk_left_ == 0) {
      crlf_left_ = 2;
      if (!check_chunk_crlf(at + len)) return -1;
    }
  }
  current_.body.append(at, len);
  return 0;
}

int RequestParser::message_complete() {
  current_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  ready_.push_back(std::move(current_));
  current_ = HttpRequest{};
  in_message_ = false;
  release_body_budget();
  return 0;
}

}  // namespace sundial::http
