#include "server/webhooks/webhook_handler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "connectors/signing/hmac.h"
#include "connectors/signing/webhook_signature.h"
#include "engine/base/utf8.h"
#include "engine/queries.h"
#include "engine/topics/topic_service.h"
#include "server/http/error_response.h"
#include "server/webhooks/browser_answer.h"
#include "server/webhooks/webhook_body.h"

namespace sundial::webhooks {

namespace {

// 202 for a signal or a cancel done: {"instance_id", "status", "action"}.
// No "created": a signal or a cancel creates nothing (starts answer with
// start_reply_to_json, whose "created" says whether the instance is new).
http::HttpResponse accepted(const std::string& instance_id, const std::string& status, std::string_view action) {
  return http::HttpResponse::json(202, {{"instance_id", instance_id}, {"status", status}, {"action", action}});
}

// Runs a delivery's actions one after another; the answer is the first
// action's outcome, sent once the last one is durable (a 2xx becomes 303
// to `redirect` when one is given: a browser's form post). A required
// action that fails answers its error (the provider retries; done actions
// are deduped by their keys).
class ActionRun : public std::enable_shared_from_this<ActionRun> {
 public:
  ActionRun(Engine& engine, WebhookActions actions, std::string dedupe_key, http::Responder responder,
            std::string redirect = {})
      : engine_(engine),
        actions_(std::move(actions)),
        key_(std::move(dedupe_key)),
        responder_(std::move(responder)),
        redirect_(std::move(redirect)) {}

  void next() {
    if (index_ == actions_.size()) {
      http::HttpResponse answer =
          answer_ ? std::move(*answer_) : http::HttpResponse::json(202, {{"ignored", "no action"}});
      if (!redirect_.empty() && answer.status / 100 == 2) answer = see_other(redirect_);
      return responder_.send(std::move(answer));
    }
    size_t i = index_++;
    std::string key = i == 0 ? key_ : key_ + "#" + std::to_string(i);
    std::visit([&](auto& action) { run(action, std::move(key)); }, actions_[i]);
  }

 private:
  void run(IgnoreAction& a, std::string) {
    if (!answer_) answer_ = http::HttpResponse::json(202, {{"ignored", a.reason}});
    next();
  }
  void run(StartAction& a, std::string key) {
    StartRequest request{a.workflow_type, a.instance_id, std::move(a.input),
                         std::move(key),  a.concurrency, a.id_reuse};
    engine_.start(std::move(request), [self = shared_from_this()](Result<StartReply> r) {
      if (!r) return self->responder_.send(http::error_response(r.error()));
      self->record(http::HttpResponse::json(r->created ? 202 : 200, start_reply_to_json(*r)));
    });
  }
  void run(SignalAction& a, std::string key) {
    bool optional = a.optional;
    engine_.signal(
        a.instance_id, a.signal, std::move(a.payload),
        [self = shared_from_this(), optional](Result<CommandReply> r) {
          if (!r && optional && tolerable(r.error())) return self->next();
          if (!r) return self->responder_.send(http::error_response(r.error()));
          self->record(accepted(r->instance_id, std::string(status_name(r->status)), "signal"));
        },
        std::move(key));
  }
  void run(CancelAction& a, std::string) {
    engine_.cancel(a.instance_id, a.reason, [self = shared_from_this()](Result<CommandReply> r) {
      if (!r && tolerable(r.error())) return self->next();
      if (!r) return self->responder_.send(http::error_response(r.error()));
      self->record(accepted(r->instance_id, std::string(status_name(r->status)), "cancel"));
    });
  }
  void run(EnqueueAction& a, std::string key) {
    // A redelivery finds the task its first delivery made: through the id
    // derived from the delivery, or, when the mapping gave a dedupe key
    // (one task per key while it is pending or running), through that key,
    // which an id would otherwise override.
    if (a.task.dedupe_key.empty()) a.task.id = TaskService::derived_task_id("wh", key, "");
    engine_.tasks().enqueue(
        {std::move(a.task)}, [self = shared_from_this()](Result<std::vector<EnqueueResult>> r) {
          if (!r) return self->responder_.send(http::error_response(r.error()));
          const EnqueueResult& e = r->front();
          self->record(http::HttpResponse::json(
              e.created ? 202 : 200,
              {{"task_id", e.task_id}, {"status", task_status_name(e.status)}, {"created", e.created}}));
        });
  }
  void run(PublishAction& a, std::string key) {
    // "webhook:<route>:<delivery id>"; a provider's id that is not clean
    // text (a control character, bytes that are not UTF-8) by its hash.
    if (a.event.id.empty()) {
      bool clean = !find_invalid_utf8(key) &&
                   std::none_of(key.begin(), key.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
      a.event.id = clean && key.size() <= kMaxEventId ? key : "webhook:sha256:" + sha256_hex(key);
    }
    std::string topic = a.event.topic;
    engine_.topics().publish(std::move(a.event), [self = shared_from_this(), topic](Result<PublishResult> r) {
      if (!r) return self->responder_.send(http::error_response(r.error()));
      self->record(http::HttpResponse::json(
          r->duplicate ? 200 : 202, {{"topic", topic}, {"seq", r->seq}, {"duplicate", r->duplicate}}));
    });
  }
  static bool tolerable(const Error& e) {
    return e.code == ErrorCode::kNotFound || e.code == ErrorCode::kConflict;
  }
  void record(http::HttpResponse answer) {
    if (!answer_) answer_ = std::move(answer);
    next();
  }

  Engine& engine_;
  WebhookActions actions_;
  std::string key_;
  http::Responder responder_;
  std::string redirect_;
  std::optional<http::HttpResponse> answer_;
  size_t index_ = 0;
};

// The route's verification, or its alternative when the request carries
// only the alternative's header.
const Verification& verification_for(const WebhookRoute& route, const http::HttpRequest& request) {
  if (route.alternative && request.header(route.verification.header) == nullptr &&
      request.header(route.alternative->header) != nullptr) {
    return *route.alternative;
  }
  return route.verification;
}

void handle(Engine& engine, const Clock& clock, const WebhookRoute& route, RateLimiter* limiter,
            JsonLimits json_limits, http::HttpRequest request, http::Responder responder) {
  if (request.method != "POST") {
    return responder.send(http::error_response(Error{ErrorCode::kMethodNotAllowed, "webhooks take POST"})
                              .with_header("Allow", "POST"));
  }
  if (route.public_route && limiter != nullptr) {
    if (int64_t wait = limiter->acquire(request.peer_ip); wait > 0) {
      return responder.send(http::error_response(
          Error{ErrorCode::kRateLimited, "too many deliveries from " + request.peer_ip, wait * kSecondMs}));
    }
  }
  if (route.pre_verify) {
    if (auto answer = route.pre_verify(request))
      return responder.send(http::HttpResponse::json(answer->status, answer->body));
  }
  const Verification& verification = verification_for(route, request);
  if (verification.scheme != SignatureScheme::kNone) {
    if (!verification.secret) {
      std::string message = secret_not_configured_message(verification);
      spdlog::error("webhook '{}': {}; refusing the delivery", route.name, message);
      return responder.send(
          http::error_response(Error{ErrorCode::kUnavailable, std::move(message)}, http::RetryAfter::kNone));
    }
    if (auto check = check_signature(verification, request, clock.now_ms()); !check.valid) {
      return responder.send(http::error_response(Error{ErrorCode::kInvalidSignature, check.problem}));
    }
  }
  auto body = decode_webhook_body(request, json_limits);
  if (!body) return responder.send(std::move(body.error()));
  auto action = route.map(*body, request);
  if (!action) return responder.send(http::error_response(action.error()));  // 400 for a bad payload
  std::optional<std::string> delivery = route.delivery_id ? route.delivery_id(request, *body) : std::nullopt;
  std::string dedupe_key = "webhook:" + route.name + ":" + (delivery ? *delivery : sha256_hex(request.body));
  if (dedupe_key.size() > 255) dedupe_key = "webhook:" + route.name + ":" + sha256_hex(*delivery);
  std::string redirect = wants_browser_answer(request) ? route.browser_redirect : std::string();
  std::make_shared<ActionRun>(engine, std::move(*action), std::move(dedupe_key), std::move(responder),
                              std::move(redirect))
      ->next();
}

}  // namespace

std::string secret_not_configured_message(const Verification& verification) {
  if (verification.secret_env.empty()) return "webhook secret not configured";
  return "webhook secret not configured: set the environment variable " + verification.secret_env +
         " and restart sundiald";
}

std::optional<std::string> missing_secret_warning(const WebhookRoute& route) {
  std::vector<const Verification*> ways = {&route.verification};
  if (route.alternative) ways.push_back(&*route.alternative);
  std::string missing;
  for (const Verification* way : ways) {
    if (way->scheme == SignatureScheme::kNone || way->secret) continue;
    missing +=
        (missing.empty() ? "" : ", ") + (way->secret_env.empty() ? "its secret" : "$" + way->secret_env);
  }
  if (missing.empty()) return std::nullopt;
  return "webhook route '" + route.name + "' (" + route.path + ") has no secret: set " + missing +
         "; until then the deliveries it cannot verify get 503";
}

http::HttpHandler make_webhook_handler(Engine& engine, const Clock& clock,
                                       std::shared_ptr<const WebhookRoute> route, RateLimiter* limiter,
                                       JsonLimits json_limits) {
  return [&engine, &clock, route = std::move(route), limiter, json_limits](http::HttpRequest request,
                                                                           http::Responder responder) {
    handle(engine, clock, *route, limiter, json_limits, std::move(request), std::move(responder));
  };
}

}  // namespace sundial::webhooks
