#include "server/webhooks/webhook_handler.h"

#include <spdlog/spdlog.h>

#include "connectors/signing/hmac.h"
#include "server/api/error_codes.h"
#include "server/api/error_response.h"
#include "server/webhooks/webhook_body.h"

namespace sundial::webhooks {

namespace {

// 202 for a new instance or a delivered signal; 200 when a start named an
// instance that already exists (a repeated signup, a redelivery).
http::HttpResponse accepted(const std::string& instance_id, const std::string& status, bool created = true) {
  return http::HttpResponse::json(created ? 202 : 200,
                                  {{"instance_id", instance_id}, {"status", status}, {"created", created}});
}

void run_action(Engine& engine, WebhookAction action, std::string dedupe_key,
                http::Responder responder) {
  if (auto* ignore = std::get_if<IgnoreAction>(&action)) {
    return responder.send(http::HttpResponse::json(202, {{"ignored", ignore->reason}}));
  }
  if (auto* start = std::get_if<StartAction>(&action)) {
    StartRequest request{start->workflow_type, start->instance_id, std::move(start->input), std::move(dedupe_key)};
    return engine.start(std::move(request), [responder = std::move(responder)](Result<StartReply> r) mutable {
      if (!r) return responder.send(api::error_response(r.error()));
      responder.send(accepted(r->instance_id, std::string(status_name(r->status)), r->created));
    });
  }
  auto& signal = std::get<SignalAction>(action);
  engine.signal(
      signal.instance_id, signal.signal, std::move(signal.payload),
      [responder = std::move(responder)](Result<CommandReply> r) mutable {
        if (!r) return responder.send(api::error_response(r.error()));
        responder.send(accepted(r->instance_id, std::string(status_name(r->status))));
      },
      std::move(dedupe_key));
}

void handle(Engine& engine, const WebhookRoute& route, RateLimiter* limiter, http::HttpRequest request,
            http::Responder responder) {
  if (request.method != "POST") {
    return responder.send(http::HttpResponse::error(405, api::codes::kMethodNotAllowed,
                                                    "webhooks take POST")
                              .with_header("Allow", "POST"));
  }
  if (route.public_route && limiter != nullptr) {
    if (int64_t wait = limiter->acquire(request.peer_ip); wait > 0) {
      return responder.send(http::HttpResponse::error(429, api::codes::kRateLimited,
                                                      "too many deliveries from " + request.peer_ip)
                                .with_header("Retry-After", std::to_string(wait)));
    }
  }
  if (route.pre_verify) {
    if (auto answer = route.pre_verify(request)) return responder.send(std::move(*answer));
  }
  if (route.verification.scheme != SignatureScheme::kNone) {
    if (!route.verification.secret) {
      spdlog::error("webhook '{}': no signing secret configured; refusing the delivery", route.name);
      return responder.send(http::HttpResponse::error(503, api::codes::kUnavailable,
                                                      "webhook secret not configured"));
    }
    if (!signature_is_valid(route.verification, request)) {
      return responder.send(http::HttpResponse::error(401, api::codes::kInvalidSignature,
                                                      "missing or wrong " + route.verification.header));
    }
  }
  auto body = decode_webhook_body(request);
  if (!body) return responder.send(std::move(body.error()));
  auto action = route.map(*body, request);
  if (!action) return responder.send(api::error_response(action.error()));  // 400 for a bad payload
  std::optional<std::string> delivery = route.delivery_id ? route.delivery_id(request, *body) : std::nullopt;
  std::string dedupe_key = "webhook:" + route.name + ":" + (delivery ? *delivery : sha256_hex(request.body));
  if (dedupe_key.size() > 255) dedupe_key = "webhook:" + route.name + ":" + sha256_hex(*delivery);
  run_action(engine, std::move(*action), std::move(dedupe_key), std::move(responder));
}

}  // namespace

bool signature_is_valid(const Verification& v, const http::HttpRequest& request) {
  const std::string* signature = request.header(v.header);
  if (signature == nullptr || !v.secret) return false;
  std::string_view prefix = v.scheme == SignatureScheme::kPrefixedHmac ? "sha256=" : "";
  return verify_hmac_signature(*v.secret, request.body, *signature, prefix);
}

http::HttpHandler make_webhook_handler(Engine& engine, std::shared_ptr<const WebhookRoute> route,
                                       RateLimiter* limiter) {
  return [&engine, route = std::move(route), limiter](http::HttpRequest request, http::Responder responder) {
    handle(engine, *route, limiter, std::move(request), std::move(responder));
  };
}

}  // namespace sundial::webhooks
