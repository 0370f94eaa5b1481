#include "server/http/responder.h"

#include "server/http/error_response.h"

namespace sundial::http {

Responder::Responder(Responder&& other) noexcept
    : sink_(std::move(other.sink_)),
      slot_(other.slot_),
      answered_(other.answered_),
      head_(other.head_),
      extra_headers_(std::move(other.extra_headers_)),
      on_answer_(std::move(other.on_answer_)) {
  other.answered_ = true;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (!answered_) send(error_response(Error{ErrorCode::kInternal, "the handler did not answer"}));
    sink_ = std::move(other.sink_);
    slot_ = other.slot_;
    answered_ = other.answered_;
    head_ = other.head_;
    extra_headers_ = std::move(other.extra_headers_);
    on_answer_ = std::move(other.on_answer_);
    other.answered_ = true;
  }
  return *this;
}

Responder::~Responder() {
  if (!answered_) send(error_response(Error{ErrorCode::kInternal, "the handler did not answer"}));
}

void Responder::add_headers(HeaderList headers) {
  for (auto& h : headers) extra_headers_.push_back(std::move(h));
}

void Responder::send(HttpResponse response) {
  if (answered_) return;
  answered_ = true;
  for (auto& h : extra_headers_) response.headers.push_back(std::move(h));
  notify(response);
  if (auto sink = sink_.lock()) sink->send(slot_, std::move(response));
}

void Responder::notify(const HttpResponse& response) {
  if (!on_answer_) return;
  auto fn = std::move(on_answer_);
  on_answer_ = nullptr;
  fn(response);
}

std::function<bool()> Responder::client_gone_check() const {
  return [sink = sink_] {
    auto s = sink.lock();
    return !s || s->peer_done();
  };
}

std::shared_ptr<ResponseStream> Responder::start_stream(HttpResponse head) {
  if (answered_) return nullptr;
  if (head_) {
    send(error_response(Error{ErrorCode::kMethodNotAllowed, "HEAD cannot describe a stream; use GET"})
             .with_header("Allow", "GET"));
    return nullptr;
  }
  answered_ = true;
  for (auto& h : extra_headers_) head.headers.push_back(std::move(h));
  notify(head);
  if (auto sink = sink_.lock()) return sink->start_stream(slot_, std::move(head));
  return nullptr;
}

}  // namespace sundial::http
