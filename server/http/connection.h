// Connection: one accepted TCP connection speaking HTTP/1.1. Reads bytes
// into a RequestParser, hands each complete request to the server's
// handler with a Responder, and writes the answers back in request order
// (pipelining), whatever order the handlers answer in. Enforces the read
// timeout (a started request must arrive in time: slow clients get 408 and
// are closed) and the idle timeout between keep-alive requests. A streamed
// answer (SSE) takes the connection over until either side closes it.
//
// Output budget: the answers queued for the client (held by libuv because
// the kernel's socket buffer is full, or waiting behind an earlier answer),
// plus the largest answer so far for each request handed on and not yet
// answered, stay under `max_output_bytes`: past it the connection stops
// reading and dispatches no more of the client's pipelined requests until
// write completions bring the queue back under; a client that takes
// nothing for the idle timeout is closed. So a client that pipelines and
// never reads holds about one budget of memory (plus the answers to its
// first burst, at most max_pipelined, before their size is known).
//
// Every libuv callback is noexcept: a throw inside one is logged and
// closes this connection only.
//
// Threading: loop thread only.
// Ownership: held by shared_ptr in the HttpServer's table; Responders and
// streams hold weak references, so answering after a close is a no-op.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/uv_handle.h"
#include "server/http/request_parser.h"
#include "server/http/responder.h"

namespace sundial::http {

struct ConnectionLimits {
  ParserLimits parser;
  int64_t read_timeout_ms = 0;
  int64_t idle_timeout_ms = 0;
  // Parsed requests waiting for their answer before reading pauses.
  size_t max_pipelined = 64;
  // Bytes of answers queued for the client before reading pauses.
  size_t max_output_bytes = 1 << 20;
  // Bytes queued to a streaming client that does not read before it is dropped.
  size_t max_stream_backlog = 4 << 20;
};

// One answered request, for the access log and metrics.
struct RequestSummary {
  std::string method;
  std::string path;
  std::string peer_ip;
  int status = 0;
  size_t body_bytes = 0;
  double seconds = 0;  // from the first byte of the request to the answer
};

class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // Before dispatch: may rewrite the request's client address (trusted
  // proxies) and may refuse it; a refusal is answered and the connection
  // closes after it.
  virtual std::optional<HttpResponse> admit(uint64_t connection_id, HttpRequest& request) = 0;
  virtual void dispatch(HttpRequest request, Responder responder) = 0;
  virtual void answered(const RequestSummary& summary) = 0;
  virtual void closed(uint64_t connection_id) = 0;
};

class Connection final : public ResponseSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Loop& loop, ConnectionHost& host, uint64_t id, ConnectionLimits limits);
  ~Connection() override;

  uv_tcp_t* tcp() { return tcp_.get(); }
  // Marks the handle initialized (after uv_tcp_init) and starts reading.
  void start();
  // Stops reading new requests, answers those in flight, then closes.
  void drain();
  // Closes now; answers not yet written are dropped.
  void close();
  bool closed() const { return closed_; }
  // No request in progress, none waiting for an answer, nothing streaming:
  // closing it loses nothing (shed first when slots run short).
  bool idle() const;
  int64_t last_activity_ms() const { return last_activity_ms_; }
  // A request has begun arriving and is not complete: its read timeout runs.
  bool receiving() const { return !closed_ && parser_ && parser_->in_request(); }
  // Bytes of answers queued for the client (see the output budget).
  size_t output_bytes() const;

  // Writes a canned response and closes (e.g. 503 when over the
  // connection limit) without reading anything.
  void refuse(HttpResponse response);
  // Closes or answers 408 if a timeout has passed (the timer calls it; so
  // do tests that moved a ManualClock), and re-arms the timer.
  void check_timeouts() { on_timer(); }

  void send(uint64_t slot, HttpResponse response) override;
  std::shared_ptr<ResponseStream> start_stream(uint64_t slot, HttpResponse head) override;
  bool peer_done() const override { return input_done_ || closed_; }

 private:
  class Stream;
  struct Slot {
    uint64_t id = 0;
    std::string method;
    std::string path;
    std::string peer;  // the client address (after trusted proxies)
    int64_t started_us = 0;
    bool keep_alive = true;
    bool answered = false;
    bool streaming = false;
    std::string wire;  // bytes to write once this slot is at the head
  };

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept;
  static void on_written(uv_write_t* req, int status) noexcept;
  static void on_shutdown(uv_shutdown_t* req, int status) noexcept;
  // Runs `fn`; a throw is logged and closes the connection.
  template <typename Fn>
  void guarded(const char* where, Fn&& fn) noexcept;
  void read(ssize_t n, const uv_buf_t* buf);
  void written(int status);
  void handle_bytes(const char* data, size_t size);
  bool output_blocked() const { return output_bytes() >= limits_.max_output_bytes; }
  // Whether another parsed request may be handed to the host now.
  bool can_dispatch() const;
  // Hands parsed requests to the host while the limits allow, at most
  // kRequestsPerTurn of them per loop turn: a client that pipelines
  // thousands of cheap requests, which the kernel takes as fast as they
  // are answered, gets the rest in later turns, so other connections are
  // served in between.
  void take_requests();
  void continue_next_turn();
  Slot* find_slot(uint64_t id);
  void fill_slot(Slot& slot, HttpResponse response, bool streaming);
  // Answers the request in progress (malformed, too slow, refused) and closes.
  void answer_last(HttpResponse response, std::string method = {}, std::string path = {});
  void flush();
  void write(std::string bytes);
  void pause_or_resume_reading();
  void arm_timer();
  void on_timer();
  int64_t now_ms() const { return limits_.parser.clock->now_ms(); }
  void close_after_writes();
  // The last answer is out: close, or first linger (below) when the
  // client may still be sending a request we refused.
  void finish_close();
  void stream_write(uint64_t slot, std::string_view chunk);

  Loop& loop_;
  ConnectionHost& host_;
  uint64_t id_;
  ConnectionLimits limits_;
  UvHandle<uv_tcp_t> tcp_;
  UvTimer timer_;
  std::optional<RequestParser> parser_;
  std::deque<Slot> slots_;
  uint64_t next_slot_ = 1;
  std::string peer_ip_;
  bool reading_ = false;
  bool dispatching_ = false;     // inside take_requests()
  bool turn_scheduled_ = false;  // take_requests() goes on in a later loop turn
  // Requests handed on since the pipeline last ran dry or the last turn
  // began: write completions in one loop turn must not add up past the cap.
  size_t taken_this_turn_ = 0;
  static constexpr size_t kRequestsPerTurn = 16;
  bool input_done_ = false;   // the client sent EOF; answer what it asked, then close
  bool draining_ = false;     // no new requests; close when answered
  bool close_after_ = false;  // close once the write queue empties
  bool closed_ = false;
  // Lingering close: after the last answer the write side is shut down and
  // what the client still sends (the rest of a body we refused with 413)
  // is read and dropped until it closes, kMaxLingerBytes or kLingerMs, so
  // the kernel does not answer its unread bytes with a reset that would
  // destroy our answer before the client reads it.
  bool lingering_ = false;
  size_t lingered_bytes_ = 0;
  static constexpr int64_t kLingerMs = 2000;
  static constexpr size_t kMaxLingerBytes = 16 << 20;
  int64_t last_activity_ms_ = 0;
  std::shared_ptr<Stream> stream_;
  size_t writes_in_flight_ = 0;
  size_t largest_answer_ = 0;  // bytes of the largest answer on this connection
  int64_t last_write_ms_ = 0;  // last write completion (progress while blocked)
};

// The numeric address of the TCP peer ("127.0.0.1", "::1"), or "unknown".
std::string peer_address(uv_tcp_t* tcp);

// "HTTP/1.1 200 OK\r\n..." with Content-Length (unless `streaming`) and
// Connection headers; the body is left out for HEAD.
std::string serialize_response(const HttpResponse& response, bool keep_alive, bool streaming,
                               bool head_request);

}  // namespace sundial::http
