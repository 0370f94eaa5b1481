#include "server/sundial_server.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "server/api/admin_api.h"
#include "server/http/error_response.h"
#include "server/ops/logging.h"
#include "server/ui/ui_routes.h"

namespace sundial {

http::HttpServerOptions http_options(const ServerSettings& s) {
  http::HttpServerOptions o;
  o.host = s.listen_host;
  o.port = s.listen_port;
  o.max_connections = s.max_connections;
  o.max_connections_per_client = s.max_connections_per_client;
  o.reserved_connections = std::min(s.reserved_connections, s.max_connections / 2);
  o.reserved_paths = {"/healthz", "/readyz"};
  // Validated with the configuration; an empty list trusts no one.
  o.trusted_proxies = http::TrustedProxies::parse(s.trusted_proxies).value_or(http::TrustedProxies{});
  o.max_body_bytes_in_flight = std::max(s.max_body_bytes_in_flight, s.max_body_bytes);
  o.limits.parser = http::ParserLimits{s.max_header_bytes, s.max_body_bytes};
  o.limits.read_timeout_ms = s.read_timeout;
  o.limits.idle_timeout_ms = s.idle_timeout;
  o.limits.max_output_bytes = s.max_queued_output_bytes;
  return o;
}

SundialServer::SundialServer(Loop& loop, Clock& clock, Engine& engine, const DaemonConfig& config,
                             std::optional<std::string> admin_token, std::optional<std::string> worker_token,
                             std::optional<std::string> viewer_token, lua::ScriptCatalog* scripts,
                             LimiterCatalog* limits)
    : loop_(loop),
      clock_(clock),
      engine_(engine),
      auth_(admin_token, std::move(worker_token), std::move(viewer_token)),
      stream_tokens_(admin_token ? api::StreamTokens::derive_key(*admin_token)
                                 : api::StreamTokens::random_key()),
      cors_(config.server.cors_origins),
      api_cors_(admin_token.has_value()),
      admin_token_env_(config.server.admin_token_env),
      access_log_(config.server.access_log),
      webhook_limiter_(clock, config.server.webhook_rate_per_second, config.server.webhook_burst),
      json_limits_{config.server.max_json_depth},
      audit_(engine.audit_ref(), auth_, router_,
             api::TokenNames{config.server.admin_token_name, config.server.viewer_token_name,
                             config.server.worker_token_name}) {
  http_ = std::make_unique<http::HttpServer>(loop, http_options(config.server),
                                             [this](http::HttpRequest request, http::Responder responder) {
                                               handle(std::move(request), std::move(responder));
                                             });
  http_->set_observer([this](const http::RequestSummary& s) { observe(s); });
  metrics_ = std::make_unique<ops::ServerMetrics>(
      registry_, engine,
      [this] {
        return ops::ConnectionCounts{http_->open_connections(), http_->rejected_connections(),
                                     http_->shed_connections(), http_->queued_output_bytes(),
                                     http_->body_bytes_in_flight()};
      },
      [limits] { return limits ? limits->limiters().views() : std::vector<LimiterView>{}; });
  // Webhook paths are looked up before the router; they may not shadow
  // what the router serves under any method.
  webhooks_ = std::make_unique<webhooks::WebhookRouteTable>(
      loop, engine, clock, &webhook_limiter_, json_limits_, [this](std::string_view path) {
        for (std::string_view method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
          if (router_.matched_pattern(method, path) != "unmatched") return true;
        }
        return false;
      });
  api::AdminApi admin{engine, loop};
  admin.json_limits = json_limits_;
  admin.scripts = scripts;
  admin.limits = limits;
  admin.webhook_verification = [this](std::string_view name) { return webhooks_->verification_status(name); };
  admin.stream_tokens = &stream_tokens_;
  admin.auth = &auth_;
  api::add_admin_routes(router_, admin);
  add_operations_routes();
  if (cors_.enabled() && !api_cors_) {
    spdlog::warn(
        "[server] cors_origins applies to the webhook routes only: CORS on /api/ needs an admin "
        "token (set ${})",
        admin_token_env_);
  }
}

Result<void> SundialServer::start() { return http_->listen(); }

void SundialServer::add_webhook(webhooks::WebhookRoute route) {
  std::string owner = "module:" + route.name;
  std::vector<webhooks::WebhookRoute> routes;
  routes.push_back(std::move(route));
  if (auto added = webhooks_->replace_routes(owner, std::move(routes)); !added) {
    spdlog::error("{}", added.error().message);
  }
}

Result<void> SundialServer::replace_webhooks(const std::string& owner,
                                             std::vector<webhooks::WebhookRoute> routes) {
  return webhooks_->replace_routes(owner, std::move(routes));
}

void SundialServer::add_operations_routes() {
  router_.add("GET", "/healthz", [](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    r.send(http::HttpResponse::json(200, {{"status", "ok"}}));
  });
  router_.add("GET", "/readyz", [this](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    auto why = engine_.not_ready_reason();
    if (!why) return r.send(http::HttpResponse::json(200, {{"status", "ready"}}));
    r.send(http::error_response(*why));
  });
  ui::add_ui_routes(router_);
  router_.add("GET", "/metrics", [this](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    metrics_->scrape([r = std::move(r)](std::string text) mutable {
      r.send(http::HttpResponse::text(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8"));
    });
  });
}

const http::CorsRules* SundialServer::cors_rules_for(const http::HttpRequest& request) const {
  if (webhooks_->find(request.path)) return &http::kWebhookCors;
  if (!api_cors_ || !request.path.starts_with("/api/")) return nullptr;
  // A preflight asks with OPTIONS for the GET that follows.
  if (api::stream_route_topic("GET", request.path)) return &http::kTopicStreamCors;
  return &http::kAdminApiCors;
}

std::optional<http::HttpResponse> SundialServer::apply_cors(const http::HttpRequest& request,
                                                            http::Responder& responder) const {
  const http::CorsRules* rules = cors_rules_for(request);
  if (rules == nullptr) {
    if (!request.path.starts_with("/api/") || !http::CorsPolicy::is_preflight(request)) return std::nullopt;
    return http::error_response(Error{ErrorCode::kForbidden, "CORS on /api/ needs an admin token: set $" +
                                                                 admin_token_env_ + " and restart sundiald"});
  }
  if (auto preflight = cors_.preflight(request, *rules)) return preflight;
  if (const std::string* origin = request.header("origin")) {
    if (auto headers = cors_.headers_for(*origin, *rules)) responder.add_headers(std::move(*headers));
  }
  return std::nullopt;
}

void SundialServer::handle(http::HttpRequest request, http::Responder responder) {
  if (cors_.enabled()) {
    if (auto answer = apply_cors(request, responder)) return responder.send(std::move(*answer));
  }
  if (request.path.starts_with("/api/")) {
    audit_.watch(request, responder);
    // A browser's EventSource cannot send Authorization: a topic stream
    // (and only a topic stream) takes a stream token in the query instead.
    auto topic = api::stream_route_topic(request.method, request.path);
    auto token = topic ? request.query_param("access_token") : std::nullopt;
    if (token) {
      if (auto denied = check_stream_token(*token, *topic)) return responder.send(std::move(*denied));
    } else if (auto denied = auth_.check(request)) {
      return responder.send(std::move(*denied));
    }
  }
  if (auto webhook = webhooks_->find(request.path))
    return (*webhook)(std::move(request), std::move(responder));
  router_.route(std::move(request), std::move(responder));
}

std::optional<http::HttpResponse> SundialServer::check_stream_token(const std::string& token,
                                                                    std::string_view topic) const {
  api::TokenCheck check = stream_tokens_.verify(token, topic, clock_.now_ms());
  if (check == api::TokenCheck::kOk) return std::nullopt;
  std::string why(api::token_check_message(check));
  if (check == api::TokenCheck::kWrongTopic) {
    return http::error_response(Error{ErrorCode::kForbidden, why + " ('" + std::string(topic) + "')"});
  }
  return http::error_response(
      Error{ErrorCode::kUnauthorized, why + "; mint a new one with POST /api/v1/stream-tokens"});
}

void SundialServer::observe(const http::RequestSummary& s) {
  std::string route =
      webhooks_->find(s.path) ? s.path : std::string(router_.matched_pattern(s.method, s.path));
  metrics_->observe_request(s.method, route, s.status, s.seconds);
  if (!access_log_) return;
  ops::log_access(
      ops::AccessLogEntry{s.method, s.path, route, s.peer_ip, s.status, s.body_bytes, s.seconds * 1000.0});
}

}  // namespace sundial
