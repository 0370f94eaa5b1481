#include "server/http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "server/http/error_codes.h"

namespace sundial::http {

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t steady_now_ms() { return steady_now_us() / 1000; }

namespace {

RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

}  // namespace

RequestParser::RequestParser(ParserLimits limits, std::string peer_ip)
    : limits_(limits), peer_ip_(std::move(peer_ip)) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::on_message_begin;
  settings_.on_url = &RequestParser::on_url;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  settings_.on_body = &RequestParser::on_body;
  settings_.on_message_complete = &RequestParser::on_message_complete;
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

bool RequestParser::feed(const char* data, size_t size) {
  if (failure_) return false;
  llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  // An Upgrade request (h2c, websocket) is served as plain HTTP/1.1, as
  // RFC 9110 allows: parsing goes on after it.
  while (err == HPE_PAUSED_UPGRADE && !failure_) {
    const char* pos = llhttp_get_error_pos(&parser_);
    llhttp_resume_after_upgrade(&parser_);
    size -= static_cast<size_t>(pos - data);
    data = pos;
    err = size > 0 ? llhttp_execute(&parser_, data, size) : HPE_OK;
  }
  if (failure_) return false;
  if (err != HPE_OK) {
    fail(400, codes::kBadRequest,
         std::string("malformed HTTP request: ") + llhttp_errno_name(err) + ": " +
             (parser_.reason != nullptr ? parser_.reason : "parse error"));
    return false;
  }
  return true;
}

void RequestParser::finish() {
  if (failure_ || !in_message_) return;
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (err != HPE_OK && !failure_) fail(400, codes::kBadRequest, "the request ended before it was complete");
}

std::optional<HttpRequest> RequestParser::next() {
  if (ready_.empty()) return std::nullopt;
  HttpRequest r = std::move(ready_.front());
  ready_.pop_front();
  return r;
}

int RequestParser::body_too_large() {
  return fail(413, codes::kPayloadTooLarge, "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
}

int RequestParser::fail(int status, std::string code, std::string message) {
  if (!failure_) failure_ = ParseFailure{status, std::move(code), std::move(message)};
  return -1;
}

bool RequestParser::count_header_bytes(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  fail(431, codes::kHeadersTooLarge,
       "the request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  return false;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  RequestParser& s = self(p);
  s.current_ = HttpRequest{};
  s.current_.peer_ip = s.peer_ip_;
  s.field_.clear();
  s.in_value_ = false;
  s.header_bytes_ = 0;
  s.in_message_ = true;
  s.started_at_ms_ = steady_now_ms();
  s.current_.received_at_us = steady_now_us();
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return -1;
  s.current_.target.append(at, len);
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return -1;
  if (s.in_value_) {
    s.field_.clear();
    s.in_value_ = false;
  }
  s.field_.append(at, len);
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = self(p);
  if (!s.count_header_bytes(len)) return -1;
  if (!s.in_value_) {
    std::string name = s.field_;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    s.current_.headers.emplace_back(std::move(name), std::string());
    s.in_value_ = true;
  }
  s.current_.headers.back().second.append(at, len);
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

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.current_.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
  if (!s.finish_target()) {
    return s.fail(400, codes::kBadRequest, "the request target is not a valid origin-form path");
  }
  // Trim the optional whitespace llhttp leaves at the end of values.
  for (auto& [name, value] : s.current_.headers) {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  }
  if ((p->flags & F_CONTENT_LENGTH) != 0 && p->content_length > s.limits_.max_body_bytes) {
    return s.body_too_large();
  }
  const std::string* expect = s.current_.header("expect");
  if (expect != nullptr && s.on_expect_continue) {
    std::string lowered = *expect;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lowered == "100-continue") s.on_expect_continue();
  }
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = self(p);
  if (s.current_.body.size() + len > s.limits_.max_body_bytes) {
    return s.body_too_large();
  }
  s.current_.body.append(at, len);
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.current_.keep_alive = llhttp_should_keep_alive(p) != 0;
  s.ready_.push_back(std::move(s.current_));
  s.current_ = HttpRequest{};
  s.in_message_ = false;
  return 0;
}

}  // namespace sundial::http
