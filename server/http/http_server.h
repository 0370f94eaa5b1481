// HttpServer: listens on one TCP address on the loop and serves HTTP/1.1
// through Connections, calling one handler for every complete request.
//
// Slots: over `max_connections` a client gets 503 and is closed. Near the
// limit (within `reserved_connections` of it) an idle keep-alive
// connection is closed to make room, and when none is idle the new
// connection may only ask for `reserved_paths` (/healthz, /readyz) so
// health checks answer under pressure; anything else gets 503. One client
// address holds at most `max_connections_per_client` connections (429
// over it): the TCP peer's at accept, and, when the peer is one of
// `trusted_proxies`, the forwarded client's once its headers arrive
// (client_address.h). That address is the request's peer_ip from then on.
// The bytes of request bodies being received are bounded across all
// connections (body_budget.h). stop() stops
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
#include <vector>

#include "engine/base/error.h"
#include "engine/loop/loop.h"
#include "engine/loop/uv_handle.h"
#include "server/http/body_budget.h"
#include "server/http/client_address.h"
#include "server/http/connection.h"
#include "server/http/responder.h"

namespace sundial::http {

struct HttpServerOptions {
  std::string host;  // "127.0.0.1", "0.0.0.0", "::1"
  int port = 0;      // 0 = pick a free port (see bound_port())
  size_t max_connections = 0;
  // Connections per client address; 0 = no cap.
  size_t max_connections_per_client = 0;
  // The last slots below max_connections, kept for `reserved_paths`.
  size_t reserved_connections = 0;
  std::vector<std::string> reserved_paths;
  // Peers whose X-Forwarded-For / Forwarded name the client.
  TrustedProxies trusted_proxies;
  // Bytes of request bodies being received, all connections; 0 = no bound.
  size_t max_body_bytes_in_flight = 0;
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
  void set_observer(std::function<void(const RequestSummary&)> observer) { observer_ = std::move(observer); }

  // Stops accepting and drains every connection; `done` runs in a later
  // loop turn once all are closed (it may destroy the server).
  void stop(std::function<void()> done);
  // Closes every connection now (after a drain took too long).
  void close_all();
  // Applies the read and idle timeouts now, as each connection's timer
  // would (tests move the ManualClock in limits.parser.clock, then call it).
  void check_timeouts();

  size_t open_connections() const { return connections_.size(); }
  // Connections in the middle of receiving a request (slow clients show here).
  size_t receiving_connections() const;
  // Refused at accept: over the limit (503) or over the per-client cap (429).
  uint64_t rejected_connections() const { return rejected_; }
  // Idle keep-alive connections closed to make room near the limit.
  uint64_t shed_connections() const { return shed_; }
  // Bytes of answers queued for clients, summed over connections.
  size_t queued_output_bytes() const;
  // Bytes of request bodies being received (see max_body_bytes_in_flight).
  size_t body_bytes_in_flight() const { return bodies_ ? bodies_->used() : 0; }

 private:
  // Whom a connection counts against, and what it may ask.
  struct ClientSlot {
    std::string key;  // client address counted in per_client_; empty: none
    bool reserve_only = false;
  };

  static void on_connection(uv_stream_t* server, int status) noexcept;
  void accept();
  // Closes the connection idle the longest (not `except`); false if none is idle.
  bool shed_idle(uint64_t except);
  void count_client(ClientSlot& slot, const std::string& key);
  void uncount_client(ClientSlot& slot);
  bool over_client_cap(const std::string& key) const;
  std::optional<HttpResponse> admit(uint64_t connection_id, HttpRequest& request) override;
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
  uint64_t shed_ = 0;
  std::shared_ptr<BodyBudget> bodies_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  std::unordered_map<uint64_t, ClientSlot> clients_;
  std::unordered_map<std::string, size_t> per_client_;
  std::function<void()> on_stopped_;
};

}  // namespace sundial::http
