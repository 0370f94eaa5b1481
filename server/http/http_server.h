// HttpServer: listens on one TCP address on the loop and serves HTTP/1.1
// through Connections, calling one handler for every complete request.
// Over the connection limit a client gets 503 and is closed. stop() stops
// accepting, lets every connection answer what it already received (each
// answer says "Connection: close"), closes streams, and reports when the
// last connection is gone.
//
// Threading: loop thread only.
// Ownership: owns its listening handle and its connections; borrows the
// Loop and the handler's targets, which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/base/error.h"
#include "engine/loop/loop.h"
#include "engine/loop/uv_handle.h"
#include "server/http/connection.h"
#include "server/http/responder.h"

namespace sundial::http {

struct HttpServerOptions {
  std::string host;  // "127.0.0.1", "0.0.0.0", "::1"
  int port = 0;      // 0 = pick a free port (see bound_port())
  size_t max_connections = 0;
  ConnectionLimits limits;
};

class HttpServer final : private ConnectionHost {
 public:
  HttpServer(Loop& loop, HttpServerOptions options, HttpHandler handler);
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; errors name the address (e.g. address in use).
  Result<void> listen();
  // The port bound by listen() (the chosen one when asked for port 0).
  int bound_port() const { return bound_port_; }

  // Called after each answer is queued (access log, metrics).
  void set_observer(std::function<void(const RequestSummary&)> observer) {
    observer_ = std::move(observer);
  }

  // Stops accepting and drains every connection; `done` runs in a later
  // loop turn once all are closed (it may destroy the server).
  void stop(std::function<void()> done);
  // Closes every connection now (after a drain took too long).
  void close_all();

  size_t open_connections() const { return connections_.size(); }
  uint64_t rejected_connections() const { return rejected_; }

 private:
  static void on_connection(uv_stream_t* server, int status);
  void accept();
  void dispatch(HttpRequest request, Responder responder) override;
  void answered(const RequestSummary& summary) override;
  void closed(uint64_t connection_id) override;
  void report_stopped();

  Loop& loop_;
  HttpServerOptions options_;
  HttpHandler handler_;
  std::function<void(const RequestSummary&)> observer_;
  UvHandle<uv_tcp_t> listener_;
  bool listening_ = false;
  int bound_port_ = 0;
  uint64_t next_id_ = 1;
  uint64_t rejected_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  std::function<void()> on_stopped_;
};

}  // namespace sundial::http
