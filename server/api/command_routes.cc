// POST /api/v1/instances/{id}/pause|resume|cancel|retry|skip and
// /api/v1/instances/{id}/signals/{name}. Each answers after the engine
// made the change durable: {"instance_id", "status"}.
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

Reply<CommandReply> reply_with(http::Responder responder, int status) {
  return [responder = std::move(responder), status](Result<CommandReply> reply) mutable {
    if (!reply) return responder.send(http::error_response(reply.error()));
    responder.send(http::HttpResponse::json(
        status, {{"instance_id", reply->instance_id}, {"status", status_name(reply->status)}}));
  };
}

// The body's optional "policy" (resume, retry, skip): shift by default.
std::expected<ResumePolicy, http::HttpResponse> read_policy(const nlohmann::json& body) {
  auto name = optional_string_field(body, "policy");
  if (!name) return std::unexpected(std::move(name.error()));
  auto policy = parse_resume_policy(name->value_or("shift"));
  if (!policy) return std::unexpected(bad_argument("'policy' must be \"shift\" or \"fire\""));
  return *policy;
}

void command(const AdminApi& api, const std::string& verb, const http::HttpRequest& request,
             const PathParams& params, http::Responder responder) {
  const std::string& id = params.at("id");
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  Engine& engine = api.engine;
  if (verb == "pause") return engine.pause(id, reply_with(std::move(responder), 200));
  auto reason = optional_string_field(*body, "reason");
  if (!reason) return responder.send(std::move(reason.error()));
  if (verb == "cancel") return engine.cancel(id, reason->value_or(""), reply_with(std::move(responder), 200));
  auto policy = read_policy(*body);
  if (!policy) return responder.send(std::move(policy.error()));
  if (verb == "resume") return engine.resume(id, *policy, reply_with(std::move(responder), 200));
  if (verb == "retry") return engine.retry(id, *policy, reply_with(std::move(responder), 200));
  SkipCommand skip{body->value("result", nlohmann::json()), reason->value_or(""), *policy};
  engine.skip(id, std::move(skip), reply_with(std::move(responder), 200));
}

void signal(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
            http::Responder responder) {
  auto payload = read_json_body(request, BodyRule::kAnyJsonOrEmpty, api.json_limits);
  if (!payload) return responder.send(std::move(payload.error()));
  std::optional<std::string> key;
  if (const std::string* k = request.header("idempotency-key")) key = *k;
  api.engine.signal(params.at("id"), params.at("name"), std::move(*payload),
                    reply_with(std::move(responder), 202), std::move(key));
}

}  // namespace

void add_command_routes(Router& router, const AdminApi& api) {
  for (std::string verb : {"pause", "resume", "cancel", "retry", "skip"}) {
    router.add("POST", "/api/v1/instances/{id}/" + verb,
               [api, verb](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
                 command(api, verb, req, p, std::move(r));
               });
  }
  router.add("POST", "/api/v1/instances/{id}/signals/{name}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               signal(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
