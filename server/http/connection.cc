#include "server/http/connection.h"

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/text.h"
#include "server/http/error_response.h"

namespace sundial::http {

// ---- The streamed-answer handle ---------------------------------------------

class Connection::Stream final : public ResponseStream {
 public:
  Stream(std::weak_ptr<Connection> connection, uint64_t slot)
      : connection_(std::move(connection)), slot_(slot) {}

  bool write(std::string_view chunk) override {
    if (!open_) return false;
    if (auto c = connection_.lock()) c->stream_write(slot_, chunk);
    return open_;
  }
  bool is_open() const override { return open_; }
  void on_close(std::function<void()> fn) override {
    if (!open_) return fn();
    on_close_ = std::move(fn);
  }
  void close() override {
    if (!open_) return;
    if (auto c = connection_.lock()) c->close_after_writes();
  }

  // The connection is closing.
  void mark_closed() {
    if (!open_) return;
    open_ = false;
    if (on_close_) {
      auto fn = std::move(on_close_);
      fn();
    }
  }

 private:
  std::weak_ptr<Connection> connection_;
  uint64_t slot_;
  bool open_ = true;
  std::function<void()> on_close_;
};

// ---- Serialization -------------------------------------------------------------

std::string peer_address(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "unknown";
  char ip[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&addr), ip, sizeof ip);
  } else if (addr.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&addr), ip, sizeof ip);
  }
  return ip;
}

namespace {

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

}  // namespace

std::string serialize_response(const HttpResponse& response, bool keep_alive, bool streaming,
                               bool head_request) {
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += status_reason(response.status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (ascii_iequals(name, "content-length") || ascii_iequals(name, "connection")) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!streaming) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  out += keep_alive && !streaming ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_request) out += response.body;
  return out;
}

// ---- Connection ------------------------------------------------------------------

Connection::Connection(Loop& loop, ConnectionHost& host, uint64_t id, ConnectionLimits limits)
    : loop_(loop), host_(host), id_(id), limits_(std::move(limits)), timer_(loop, [this] {
        guarded("timer", [this] { on_timer(); });
      }) {
  timer_.set_keeps_loop_alive(false);
}

Connection::~Connection() {
  if (!stream_) return;
  try {
    stream_->mark_closed();  // runs the stream owner's on_close
  } catch (...) {
    spdlog::error("HTTP connection {}: a stream's close handler threw", id_);
  }
}

void Connection::start() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  tcp_.mark_initialized();
  tcp_.get()->data = this;
  peer_ip_ = peer_address(tcp_.get());
  parser_.emplace(limits_.parser, peer_ip_);
  parser_->on_expect_continue = [this] {
    // Only when nothing is ahead of it: the interim answer must not
    // overtake earlier pipelined answers (the client then sends anyway).
    if (slots_.empty()) write("HTTP/1.1 100 Continue\r\n\r\n");
  };
  last_activity_ms_ = now_ms();
  last_write_ms_ = last_activity_ms_;
  pause_or_resume_reading();
  arm_timer();
}

template <typename Fn>
void Connection::guarded(const char* where, Fn&& fn) noexcept {
  try {
    fn();
    return;
  } catch (const std::exception& e) {
    spdlog::error("HTTP connection {}: {} threw: {}; closing it", id_, where, e.what());
  } catch (...) {
    spdlog::error("HTTP connection {}: {} threw; closing it", id_, where);
  }
  try {
    close();
  } catch (...) {
    closed_ = true;  // the handle may stay open, but nothing more is done on it
  }
}

bool Connection::idle() const {
  return !closed_ && !close_after_ && slots_.empty() && stream_ == nullptr && parser_ &&
         !parser_->in_request() && !parser_->has_ready();
}

size_t Connection::output_bytes() const {
  size_t queued = 0;
  for (const auto& slot : slots_) queued += slot.wire.size();
  // What libuv holds because the kernel's socket buffer is full.
  if (!closed_ && tcp_.get() != nullptr) {
    queued += uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(tcp_.get()));
  }
  return queued;
}

bool Connection::can_dispatch() const {
  if (draining_ || closed_ || slots_.size() >= limits_.max_pipelined) return false;
  // Requests handed on and not yet answered will add about as much as the
  // largest answer so far each: count them before handing on another.
  size_t unanswered = 0;
  for (const auto& slot : slots_) unanswered += slot.answered ? 0 : 1;
  return output_bytes() + unanswered * largest_answer_ < limits_.max_output_bytes;
}

void Connection::refuse(HttpResponse response) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  tcp_.mark_initialized();
  tcp_.get()->data = this;
  write(serialize_response(response, false, false, false));
  close_after_writes();
}

void Connection::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  // The parser copies what it keeps, so the connections of one loop share
  // a buffer; each thread has its own, since a process may run several
  // servers, each on its own loop thread (the tests' fake providers do:
  // with one static buffer their reads overwrote each other's bytes).
  thread_local char buffer[64 * 1024];
  *buf = uv_buf_init(buffer, sizeof buffer);
}

void Connection::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept {
  auto* c = static_cast<Connection*>(s->data);
  if (c == nullptr || n == 0) return;
  std::shared_ptr<Connection> keep = c->weak_from_this().lock();
  if (!keep) return;  // being destroyed
  c->guarded("read", [c, n, buf] { c->read(n, buf); });
}

void Connection::read(ssize_t n, const uv_buf_t* buf) {
  if (lingering_) {
    if (n < 0) return close();  // the client is done (EOF) or gone
    lingered_bytes_ += static_cast<size_t>(n);
    if (lingered_bytes_ > kMaxLingerBytes) close();
    return;
  }
  if (n > 0) return handle_bytes(buf->base, static_cast<size_t>(n));
  if (n != UV_EOF) return close();  // reset or other error
  // The peer finished sending: answer what it asked, then close.
  if (!input_done_) {
    input_done_ = true;
    parser_->finish();
    take_requests();
    if (closed_) return;
  }
  if (stream_ != nullptr) return close();
  if (slots_.empty() && !parser_->has_ready()) return close_after_writes();
  pause_or_resume_reading();
}

void Connection::handle_bytes(const char* data, size_t size) {
  last_activity_ms_ = now_ms();
  if (draining_ || closed_ || input_done_) return;  // nothing more is read from this client
  parser_->feed(data, size);
  take_requests();
  arm_timer();
}

void Connection::take_requests() {
  if (dispatching_ || closed_) return;  // the outer call goes on
  dispatching_ = true;
  while (can_dispatch()) {
    if (taken_this_turn_ >= kRequestsPerTurn) {
      if (parser_->has_ready()) continue_next_turn();
      break;
    }
    std::optional<HttpRequest> request = parser_->next();
    if (!request) {
      taken_this_turn_ = 0;  // the client's pipeline ran dry: the next burst starts afresh
      break;
    }
    ++taken_this_turn_;
    if (std::optional<HttpResponse> refusal = host_.admit(id_, *request)) {
      answer_last(std::move(*refusal), request->method, request->path);
      break;
    }
    if (closed_) break;
    Slot slot;
    slot.id = next_slot_++;
    slot.method = request->method;
    slot.path = request->path;
    slot.peer = request->peer_ip;
    slot.started_us = request->received_at_us;
    slot.keep_alive = request->keep_alive;
    if (!request->keep_alive) draining_ = true;  // the client said this is its last
    slots_.push_back(std::move(slot));
    host_.dispatch(std::move(*request), Responder(weak_from_this(), slots_.back().id));
  }
  dispatching_ = false;
  if (closed_) return;
  // A malformed request is answered once every request before it is out
  // of the parser (handed on, or refused above).
  if (!draining_ && parser_->failure() && !parser_->has_ready()) {
    return answer_last(error_response(parser_->failure()->error()));
  }
  flush();
}

void Connection::continue_next_turn() {
  if (turn_scheduled_) return;
  turn_scheduled_ = true;
  loop_.defer([weak = weak_from_this()] {
    std::shared_ptr<Connection> c = weak.lock();
    if (!c) return;
    c->turn_scheduled_ = false;
    c->taken_this_turn_ = 0;
    c->guarded("pipelined requests", [&c] { c->flush(); });
  });
}

void Connection::answer_last(HttpResponse response, std::string method, std::string path) {
  draining_ = true;
  Slot slot;
  slot.id = next_slot_++;
  slot.method = std::move(method);
  slot.path = std::move(path);
  slot.started_us = parser_->request_started_at_ms() * 1000;
  slot.keep_alive = false;
  slots_.push_back(std::move(slot));
  fill_slot(slots_.back(), std::move(response), false);
  flush();
}

Connection::Slot* Connection::find_slot(uint64_t id) {
  for (auto& s : slots_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void Connection::fill_slot(Slot& slot, HttpResponse response, bool streaming) {
  slot.answered = true;
  slot.streaming = streaming;
  bool keep_alive = slot.keep_alive && !draining_;
  slot.keep_alive = keep_alive && !streaming;
  slot.wire = serialize_response(response, keep_alive, streaming, slot.method == "HEAD");
  largest_answer_ = std::max(largest_answer_, slot.wire.size());
  RequestSummary summary;
  summary.method = slot.method;
  summary.path = slot.path;
  summary.peer_ip = slot.peer.empty() ? peer_ip_ : slot.peer;
  summary.status = response.status;
  summary.body_bytes = response.body.size();
  summary.seconds = static_cast<double>(steady_now_us() - slot.started_us) / 1e6;
  host_.answered(summary);
}

void Connection::send(uint64_t slot_id, HttpResponse response) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (closed_) return;
  auto keep = shared_from_this();
  Slot* slot = find_slot(slot_id);
  if (slot == nullptr || slot->answered) return;
  fill_slot(*slot, std::move(response), false);
  flush();
}

std::shared_ptr<ResponseStream> Connection::start_stream(uint64_t slot_id, HttpResponse head) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (closed_) return nullptr;
  auto keep = shared_from_this();
  Slot* slot = find_slot(slot_id);
  if (slot == nullptr || slot->answered) return nullptr;
  draining_ = true;  // the stream owns the connection from here on
  fill_slot(*slot, std::move(head), true);
  stream_ = std::make_shared<Stream>(weak_from_this(), slot_id);
  auto stream = stream_;
  flush();
  return stream;
}

void Connection::stream_write(uint64_t slot_id, std::string_view chunk) {
  if (closed_ || close_after_) return;
  Slot* slot = find_slot(slot_id);
  if (slot == nullptr) return;
  if (&slots_.front() != slot) {
    slot->wire.append(chunk);  // earlier answers go first
    return;
  }
  if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(tcp_.get())) >
      limits_.max_stream_backlog) {
    return close();  // a client that does not read loses its stream
  }
  write(std::string(chunk));
}

void Connection::flush() {
  while (!slots_.empty() && !closed_) {
    Slot& front = slots_.front();
    if (!front.answered) break;
    if (!front.wire.empty()) write(std::exchange(front.wire, {}));
    if (front.streaming) break;  // the stream stays at the head until closed
    bool keep_alive = front.keep_alive;
    slots_.pop_front();
    if (!keep_alive) {
      slots_.clear();
      return close_after_writes();
    }
  }
  if (closed_) return;
  bool pending = parser_ && parser_->has_ready();
  if (slots_.empty() && (draining_ || (input_done_ && !pending))) return close_after_writes();
  // Requests held back by the pipeline or output limits go on now.
  if (!dispatching_ && !turn_scheduled_ && pending && can_dispatch()) return take_requests();
  pause_or_resume_reading();
  arm_timer();
}

void Connection::write(std::string bytes) {
  if (closed_) return;
  auto* w = new WriteRequest;
  w->data = std::move(bytes);
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(tcp_.get()), &buf, 1, &Connection::on_written);
  if (rc != 0) {
    delete w;
    return close();
  }
  ++writes_in_flight_;
}

void Connection::on_written(uv_write_t* req, int status) noexcept {
  auto* done = reinterpret_cast<WriteRequest*>(req);
  auto* c = static_cast<Connection*>(req->handle->data);
  delete done;
  if (c == nullptr) return;  // closed meanwhile
  std::shared_ptr<Connection> keep = c->weak_from_this().lock();
  if (!keep) return;  // being destroyed
  c->guarded("write", [c, status] { c->written(status); });
}

void Connection::written(int status) {
  --writes_in_flight_;
  if (status < 0) return close();
  last_write_ms_ = now_ms();
  if (close_after_) {
    if (writes_in_flight_ == 0) finish_close();
    return;
  }
  // The client took some: read and dispatch again if it was held back.
  if (!reading_ || parser_->has_ready()) flush();
}

void Connection::pause_or_resume_reading() {
  if (closed_) return;
  // A stream keeps reading (what it reads is ignored) to see the client go.
  bool want = lingering_ || (!close_after_ && !input_done_ && parser_ &&
                             (stream_ != nullptr || (can_dispatch() && !parser_->has_ready())));
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_.get());
  if (want && !reading_) {
    if (uv_read_start(stream, &Connection::on_alloc, &Connection::on_read) == 0) reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream);
    reading_ = false;
  }
}

void Connection::arm_timer() {
  if (closed_ || close_after_) return timer_.stop();
  int64_t now = now_ms();
  int64_t deadline;
  if (output_blocked()) {
    // The client does not take its answers: it has the idle timeout to.
    deadline = last_write_ms_ + limits_.idle_timeout_ms;
  } else if (parser_ && parser_->in_request() && !draining_) {
    deadline = parser_->request_started_at_ms() + limits_.read_timeout_ms;
  } else if (slots_.empty()) {
    deadline = last_activity_ms_ + limits_.idle_timeout_ms;
  } else {
    return timer_.stop();  // waiting for handlers, or streaming
  }
  timer_.start(static_cast<uint64_t>(std::max<int64_t>(0, deadline - now)));
}

void Connection::on_timer() {
  if (closed_) return;
  auto keep = shared_from_this();
  if (lingering_) return close();
  int64_t now = now_ms();
  if (output_blocked()) {
    if (now >= last_write_ms_ + limits_.idle_timeout_ms) return close();
    return arm_timer();
  }
  if (parser_->in_request() && !draining_ &&
      now >= parser_->request_started_at_ms() + limits_.read_timeout_ms) {
    // A slow client: say why if nothing is ahead of the answer, then close.
    if (!slots_.empty()) return close();
    return answer_last(error_response(
        Error{ErrorCode::kRequestTimeout,
              "the request did not arrive within " + std::to_string(limits_.read_timeout_ms) + " ms"}));
  }
  if (slots_.empty() && !parser_->in_request() && now >= last_activity_ms_ + limits_.idle_timeout_ms) {
    return close();
  }
  arm_timer();
}

void Connection::drain() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (closed_) return;
  auto keep = shared_from_this();
  draining_ = true;
  if (stream_) return close();
  if (slots_.empty()) return close_after_writes();
}

void Connection::close_after_writes() {
  if (closed_) return;
  close_after_ = true;
  pause_or_resume_reading();
  timer_.stop();
  if (writes_in_flight_ == 0) finish_close();
}

void Connection::finish_close() {
  if (closed_ || lingering_) return;
  // A client that sent EOF, or whose requests were all read whole (no
  // refused or half-read request), has nothing left in flight toward us.
  if (input_done_ || !parser_ || (!parser_->in_request() && !parser_->failure())) return close();
  auto* shutdown = new uv_shutdown_t{};
  if (uv_shutdown(shutdown, reinterpret_cast<uv_stream_t*>(tcp_.get()), &Connection::on_shutdown) != 0) {
    delete shutdown;
    return close();
  }
  lingering_ = true;
  pause_or_resume_reading();
  timer_.start(static_cast<uint64_t>(kLingerMs));
}

void Connection::on_shutdown(uv_shutdown_t* req, int status) noexcept {
  auto* c = static_cast<Connection*>(req->handle->data);
  delete req;
  if (c == nullptr || status == 0) return;  // closed meanwhile, or the FIN is out
  std::shared_ptr<Connection> keep = c->weak_from_this().lock();
  if (!keep) return;
  c->guarded("shutdown", [c] { c->close(); });
}

void Connection::close() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (closed_) return;
  auto keep = shared_from_this();
  closed_ = true;
  timer_.stop();
  tcp_.close();
  slots_.clear();
  if (stream_) {
    auto stream = std::move(stream_);
    stream->mark_closed();
  }
  host_.closed(id_);
}

}  // namespace sundial::http
