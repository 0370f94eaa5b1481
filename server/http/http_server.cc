#include "server/http/http_server.h"

#include <algorithm>
#include <csignal>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/http/error_response.h"

namespace sundial::http {

HttpServer::HttpServer(Loop& loop, HttpServerOptions options, HttpHandler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {
  if (options_.max_body_bytes_in_flight > 0) {
    bodies_ = std::make_shared<BodyBudget>(options_.max_body_bytes_in_flight);
    options_.limits.parser.bodies = bodies_;
  }
  options_.reserved_connections = std::min(options_.reserved_connections, options_.max_connections);
}

HttpServer::~HttpServer() {
  on_stopped_ = nullptr;
  close_all();
}

Result<void> HttpServer::listen() {
  // A client that went away must not kill the process: a write to it then
  // fails with EPIPE, which closes that connection only.
  std::signal(SIGPIPE, SIG_IGN);
  std::string where = options_.host + ":" + std::to_string(options_.port);
  sockaddr_storage addr{};
  if (uv_ip4_addr(options_.host.c_str(), options_.port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(options_.host.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot listen on '" + where + "': not an IPv4 or IPv6 address");
  }
  if (int rc = uv_tcp_init(loop_.raw(), listener_.get()); rc != 0) {
    return make_error(ErrorCode::kIoError, std::string("uv_tcp_init: ") + uv_strerror(rc));
  }
  listener_.mark_initialized();
  listener_.get()->data = this;
  if (int rc = uv_tcp_bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), 0); rc != 0) {
    return make_error(ErrorCode::kIoError, "cannot listen on " + where + ": " + uv_strerror(rc));
  }
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 1024, &HttpServer::on_connection);
      rc != 0) {
    return make_error(ErrorCode::kIoError, "cannot listen on " + where + ": " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  bound_port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listening_ = true;
  return ok();
}

void HttpServer::on_connection(uv_stream_t* server, int status) noexcept {
  auto* self = static_cast<HttpServer*>(server->data);
  if (self == nullptr || status < 0) return;
  try {
    self->accept();
  } catch (const std::exception& e) {
    spdlog::error("accepting an HTTP connection threw: {}", e.what());
  } catch (...) {
    spdlog::error("accepting an HTTP connection threw");
  }
}

void HttpServer::accept() {
  uint64_t id = next_id_++;
  auto connection =
      std::make_shared<Connection>(loop_, static_cast<ConnectionHost&>(*this), id, options_.limits);
  if (uv_tcp_init(loop_.raw(), connection->tcp()) != 0) return;
  connections_.emplace(id, connection);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()),
                reinterpret_cast<uv_stream_t*>(connection->tcp())) != 0) {
    connection->start();
    return connection->close();
  }
  uv_tcp_nodelay(connection->tcp(), 1);
  std::string peer = peer_address(connection->tcp());
  bool from_proxy = options_.trusted_proxies.contains(peer);
  if (!from_proxy && over_client_cap(peer)) {
    ++rejected_;
    return connection->refuse(error_response(Error{
        ErrorCode::kTooManyConnections, "too many open connections from " + peer + " (limit " +
                                            std::to_string(options_.max_connections_per_client) + ")"}));
  }
  // Near the limit: an idle keep-alive connection makes room first.
  size_t unreserved = options_.max_connections - options_.reserved_connections;
  if (connections_.size() > unreserved) shed_idle(id);
  if (connections_.size() > options_.max_connections) {
    ++rejected_;
    // Closed at once after the answer: no Retry-After.
    return connection->refuse(error_response(
        Error{ErrorCode::kUnavailable,
              "too many open connections (limit " + std::to_string(options_.max_connections) + ")"},
        RetryAfter::kNone));
  }
  ClientSlot& slot = clients_[id];
  slot.reserve_only = connections_.size() > unreserved;
  if (!from_proxy) count_client(slot, peer);
  connection->start();
}

bool HttpServer::shed_idle(uint64_t except) {
  Connection* oldest = nullptr;
  for (auto& [id, c] : connections_) {
    if (id == except || !c->idle()) continue;
    if (oldest == nullptr || c->last_activity_ms() < oldest->last_activity_ms()) oldest = c.get();
  }
  if (oldest == nullptr) return false;
  ++shed_;
  oldest->close();
  return true;
}

bool HttpServer::over_client_cap(const std::string& key) const {
  if (options_.max_connections_per_client == 0) return false;
  auto it = per_client_.find(key);
  return it != per_client_.end() && it->second >= options_.max_connections_per_client;
}

void HttpServer::count_client(ClientSlot& slot, const std::string& key) {
  slot.key = key;
  ++per_client_[key];
}

void HttpServer::uncount_client(ClientSlot& slot) {
  if (slot.key.empty()) return;
  auto it = per_client_.find(slot.key);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  slot.key.clear();
}

std::optional<HttpResponse> HttpServer::admit(uint64_t connection_id, HttpRequest& request) {
  auto it = clients_.find(connection_id);
  if (it == clients_.end()) return std::nullopt;
  ClientSlot& slot = it->second;
  if (slot.reserve_only && std::find(options_.reserved_paths.begin(), options_.reserved_paths.end(),
                                     request.path) == options_.reserved_paths.end()) {
    return error_response(Error{ErrorCode::kUnavailable, "the server is at its connection limit (" +
                                                             std::to_string(options_.max_connections) +
                                                             "); retry later"});
  }
  if (!options_.trusted_proxies.contains(request.peer_ip)) return std::nullopt;
  // From a trusted proxy: the forwarded client counts, request by request.
  std::string client = client_address(request.peer_ip, request.headers, options_.trusted_proxies);
  request.peer_ip = client;
  if (client == slot.key) return std::nullopt;
  uncount_client(slot);
  if (options_.trusted_proxies.contains(client)) return std::nullopt;  // the proxy's own request
  if (over_client_cap(client)) {
    ++rejected_;
    return error_response(
        Error{ErrorCode::kTooManyConnections, "too many open connections from " + client + " (limit " +
                                                  std::to_string(options_.max_connections_per_client) + ")"});
  }
  count_client(slot, client);
  return std::nullopt;
}

size_t HttpServer::queued_output_bytes() const {
  size_t total = 0;
  for (const auto& [id, c] : connections_) total += c->output_bytes();
  return total;
}

void HttpServer::dispatch(HttpRequest request, Responder responder) {
  // A handler that throws has dropped its responder while unwinding, which
  // answers 500; the process and the other connections carry on.
  try {
    handler_(std::move(request), std::move(responder));
  } catch (const std::exception& e) {
    spdlog::error("a request handler threw: {}", e.what());
  } catch (...) {
    spdlog::error("a request handler threw a non-standard exception");
  }
}

void HttpServer::answered(const RequestSummary& summary) {
  if (observer_) observer_(summary);
}

void HttpServer::closed(uint64_t connection_id) {
  // The Connection may be mid-call: release it in a later turn.
  if (auto client = clients_.find(connection_id); client != clients_.end()) {
    uncount_client(client->second);
    clients_.erase(client);
  }
  auto it = connections_.find(connection_id);
  if (it == connections_.end()) return;
  loop_.defer([doomed = std::move(it->second)] {});
  connections_.erase(it);
  if (connections_.empty()) report_stopped();
}

void HttpServer::report_stopped() {
  // In a later turn: the owner may destroy this server from `done`, and we
  // may be inside one of its methods now.
  if (!on_stopped_) return;
  loop_.defer(std::exchange(on_stopped_, nullptr));
}

void HttpServer::stop(std::function<void()> done) {
  if (listening_) {
    listener_.close();
    listening_ = false;
  }
  on_stopped_ = std::move(done);
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, c] : connections_) open.push_back(c);
  for (auto& c : open) c->drain();
  if (connections_.empty()) report_stopped();
}

void HttpServer::close_all() {
  if (listening_) {
    listener_.close();
    listening_ = false;
  }
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, c] : connections_) open.push_back(c);
  for (auto& c : open) c->close();
}

size_t HttpServer::receiving_connections() const {
  size_t n = 0;
  for (const auto& [id, c] : connections_) n += c->receiving() ? 1 : 0;
  return n;
}

void HttpServer::check_timeouts() {
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, c] : connections_) open.push_back(c);
  for (auto& c : open) c->check_timeouts();
}

}  // namespace sundial::http
