#include "server/http/http_server.h"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/http/error_codes.h"

namespace sundial::http {

HttpServer::HttpServer(Loop& loop, HttpServerOptions options, HttpHandler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  on_stopped_ = nullptr;
  close_all();
}

Result<void> HttpServer::listen() {
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
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 1024,
                         &HttpServer::on_connection);
      rc != 0) {
    return make_error(ErrorCode::kIoError, "cannot listen on " + where + ": " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  bound_port_ = bound.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listening_ = true;
  return ok();
}

void HttpServer::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<HttpServer*>(server->data);
  if (self == nullptr || status < 0) return;
  self->accept();
}

void HttpServer::accept() {
  uint64_t id = next_id_++;
  auto connection = std::make_shared<Connection>(loop_, static_cast<ConnectionHost&>(*this), id, options_.limits);
  if (uv_tcp_init(loop_.raw(), connection->tcp()) != 0) return;
  connections_.emplace(id, connection);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()),
                reinterpret_cast<uv_stream_t*>(connection->tcp())) != 0) {
    connection->start();
    return connection->close();
  }
  uv_tcp_nodelay(connection->tcp(), 1);
  if (connections_.size() > options_.max_connections) {
    ++rejected_;
    return connection->refuse(HttpResponse::error(
        503, codes::kUnavailable,
        "too many open connections (limit " + std::to_string(options_.max_connections) + ")"));
  }
  connection->start();
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

}  // namespace sundial::http
