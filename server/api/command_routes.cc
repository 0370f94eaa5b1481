// POST /api/v1/instances/{id}/pause|resume|cancel|retry and
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

// Reads the optional string field `name` of an object body.
std::expected<std::optional<std::string>, http::HttpResponse> string_field(const nlohmann::json& body,
                                                                           const char* name) {
  if (!body.contains(name)) return std::nullopt;
  if (!body[name].is_string())
    return std::unexpected(bad_argument(std::string("'") + name + "' must be a string"));
  return body[name].get<std::string>();
}

void command(const AdminApi& api, const std::string& verb, const http::HttpRequest& request,
             const PathParams& params, http::Responder responder) {
  const std::string& id = params.at("id");
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  Engine& engine = api.engine;
  if (verb == "pause") return engine.pause(id, reply_with(std::move(responder), 200));
  if (verb == "retry") return engine.retry(id, reply_with(std::move(responder), 200));
  if (verb == "cancel") {
    auto reason = string_field(*body, "reason");
    if (!reason) return responder.send(std::move(reason.error()));
    return engine.cancel(id, reason->value_or(""), reply_with(std::move(responder), 200));
  }
  auto policy_name = string_field(*body, "policy");
  if (!policy_name) return responder.send(std::move(policy_name.error()));
  auto policy = parse_resume_policy(policy_name->value_or("shift"));
  if (!policy) return responder.send(bad_argument("'policy' must be \"shift\" or \"fire\""));
  engine.resume(id, *policy, reply_with(std::move(responder), 200));
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
  for (std::string verb : {"pause", "resume", "cancel", "retry"}) {
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
