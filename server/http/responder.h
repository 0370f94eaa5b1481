// Responder: a handler's one way to answer a request, exactly once, now or
// later (after a durable commit). A Responder dropped without an answer
// answers 500, so a handler bug never hangs a client. A streamed answer
// (Server-Sent Events) keeps the connection until either side closes it.
// HEAD: the connection drops the body of any answer to a HEAD request; a
// HEAD never opens a stream (see mark_head()).
//
// Threading: loop thread only. Ownership: the Responder holds a weak
// reference to its connection; answering after the client left is a no-op.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "server/http/message.h"

namespace sundial::http {

// The write side of a streamed response.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues bytes for the peer; false once the stream is closed.
  virtual bool write(std::string_view chunk) = 0;
  virtual bool is_open() const = 0;
  // Runs once, when the peer goes away or the server closes the stream.
  virtual void on_close(std::function<void()> fn) = 0;
  // Ends the response and closes the connection.
  virtual void close() = 0;
};

// Implemented by the connection (and by test fakes).
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void send(uint64_t slot, HttpResponse response) = 0;
  // Sends `head` (status and headers; its body is the first chunk) without
  // a Content-Length and hands the connection to the returned stream.
  virtual std::shared_ptr<ResponseStream> start_stream(uint64_t slot, HttpResponse head) = 0;
  // Whether the peer finished sending (EOF) or the connection closed: a
  // long poll's client that is gone. Default: never.
  virtual bool peer_done() const { return false; }
};

class Responder {
 public:
  Responder(std::weak_ptr<ResponseSink> sink, uint64_t slot) : sink_(std::move(sink)), slot_(slot) {}
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void send(HttpResponse response);
  // nullptr when the client is already gone, or for a HEAD request, which
  // is answered 405 with `Allow: GET` instead: a stream has no end, so no
  // header-only answer could describe it.
  std::shared_ptr<ResponseStream> start_stream(HttpResponse head);
  bool answered() const { return answered_; }
  // A check, usable after the Responder is moved away, of whether the
  // client is gone (the connection closed or the peer sent EOF): a long
  // poll hands nothing to a client that left (the task claim).
  std::function<bool()> client_gone_check() const;
  // Marks the request as HEAD (the router does, before a GET handler runs).
  void mark_head() { head_ = true; }
  // Headers every answer gets, whoever sends it (the server's CORS headers).
  void add_headers(HeaderList headers);
  // Runs once with the answer (or a stream's head) when it is sent, even
  // if the client is already gone: the audit trail records what was
  // answered. One observer; a second call replaces the first.
  void on_answer(std::function<void(const HttpResponse&)> fn) { on_answer_ = std::move(fn); }

 private:
  void notify(const HttpResponse& response);

  std::weak_ptr<ResponseSink> sink_;
  uint64_t slot_ = 0;
  bool answered_ = false;
  bool head_ = false;
  HeaderList extra_headers_;
  std::function<void(const HttpResponse&)> on_answer_;
};

// What the server calls for every complete request.
using HttpHandler = std::function<void(HttpRequest request, Responder responder)>;

}  // namespace sundial::http
