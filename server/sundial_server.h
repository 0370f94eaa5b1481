// SundialServer: everything sundiald serves over HTTP, wired around one
// Engine — the admin API behind bearer auth, webhook routes, /healthz,
// /readyz and /metrics — with the access log and request metrics on every
// answer, and the audit trail (api/audit_trail.h) on every changing call.
//
// CORS ([server] cors_origins, one allow-list): webhook routes always
// (they are public or signed, so a page of an allowed origin may only
// read answers it could provoke anyway); /api/ — topic streams included —
// only with an admin token, since without one the whole API is open to
// whoever reaches it. Each family's preflight lists its own methods and
// headers (http/cors.h). The pages (/, /ui/, /live) are same-origin and
// get none.
//
// Threading: loop thread only. Ownership: owns the router, metrics and
// HTTP server; borrows the Loop and the Engine, which must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/flow/limiters.h"
#include "engine/limits/limiter_catalog.h"
#include "server/api/audit_trail.h"
#include "server/api/auth.h"
#include "server/api/router.h"
#include "server/api/stream_token.h"
#include "server/config/daemon_config.h"
#include "server/http/cors.h"
#include "server/http/http_server.h"
#include "server/ops/metrics.h"
#include "server/ops/server_metrics.h"
#include "server/webhooks/rate_limiter.h"
#include "server/webhooks/webhook_route_table.h"
#include "workflows/lua/catalog.h"
#include "workflows/module/webhook_route.h"

namespace sundial {

class SundialServer {
 public:
  // `scripts`, when given, serves the workflow-script routes; `limits`,
  // when given, serves /api/v1/limits and shows the limiters in /metrics.
  // Both must outlive the server.
  SundialServer(Loop& loop, Clock& clock, Engine& engine, const DaemonConfig& config,
                std::optional<std::string> admin_token, std::optional<std::string> worker_token,
                std::optional<std::string> viewer_token = std::nullopt, lua::ScriptCatalog* scripts = nullptr,
                LimiterCatalog* limits = nullptr);

  // Binds the listening socket.
  Result<void> start();
  int port() const { return http_->bound_port(); }
  api::Router& router() { return router_; }
  // Serves `route` at its path (POST), as the owner "module:<name>"; a path
  // already taken is logged and not served.
  void add_webhook(webhooks::WebhookRoute route);
  // Makes `routes` everything `owner` ("lua:greet") serves, replacing what
  // it served before; conflict when a path is another owner's or sundiald's
  // own (webhook_route_table.h). Loop thread.
  Result<void> replace_webhooks(const std::string& owner, std::vector<webhooks::WebhookRoute> routes);
  webhooks::WebhookRouteTable& webhooks() { return *webhooks_; }
  // What /metrics renders; others add their families (the alert hook).
  ops::MetricsRegistry& metrics_registry() { return registry_; }

  // Stops accepting and answers what is in flight; `done` runs when the
  // last connection closed.
  void stop(std::function<void()> done) { http_->stop(std::move(done)); }
  void close_now() { http_->close_all(); }

 private:
  void handle(http::HttpRequest request, http::Responder responder);
  void add_operations_routes();
  void observe(const http::RequestSummary& summary);

  // CORS before routing: the preflight answer (204, or 403 for another
  // origin) when `request` is one; otherwise adds the CORS headers its
  // route family gets to `responder` and returns nullopt.
  std::optional<http::HttpResponse> apply_cors(const http::HttpRequest& request,
                                               http::Responder& responder) const;
  // The CORS rules of `request`'s route family; null when it gets none.
  const http::CorsRules* cors_rules_for(const http::HttpRequest& request) const;

  // An ?access_token= on a topic stream route: nullopt when it lets the
  // request in, else the 401 or 403 to answer.
  std::optional<http::HttpResponse> check_stream_token(const std::string& token,
                                                       std::string_view topic) const;

  Loop& loop_;
  Clock& clock_;
  Engine& engine_;
  api::BearerAuth auth_;
  // Browser streams: tokens signed with a key derived from the admin token.
  api::StreamTokens stream_tokens_;
  http::CorsPolicy cors_;
  // Whether /api/ gets CORS: only behind an admin token.
  bool api_cors_;
  std::string admin_token_env_;
  bool access_log_;
  api::Router router_;
  ops::MetricsRegistry registry_;
  webhooks::RateLimiter webhook_limiter_;
  JsonLimits json_limits_;
  api::AuditTrail audit_;
  std::unique_ptr<webhooks::WebhookRouteTable> webhooks_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<ops::ServerMetrics> metrics_;
};

http::HttpServerOptions http_options(const ServerSettings& settings);

}  // namespace sundial
