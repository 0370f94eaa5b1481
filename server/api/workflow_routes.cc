// GET /api/v1/workflows and POST /api/v1/workflows/{type}/instances.
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

void list_types(const AdminApi& api, http::Responder responder) {
  nlohmann::json types = nlohmann::json::array();
  for (const WorkflowType* t : api.engine.registry().list()) {
    types.push_back({{"type", t->name}, {"description", t->description}});
  }
  responder.send(http::HttpResponse::json(200, {{"workflows", types}}));
}

void start(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
           http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  StartRequest start;
  start.type = params.at("type");
  if (body->contains("id")) {
    if (!(*body)["id"].is_string()) return responder.send(bad_argument("'id' must be a string"));
    start.id = (*body)["id"].get<std::string>();
  }
  if (body->contains("input")) start.input = (*body)["input"];
  for (const auto& [key, value] : body->items()) {
    if (key != "id" && key != "input") {
      return responder.send(bad_argument("unknown field '" + key + "'; a start takes 'id' and 'input'"));
    }
  }
  if (const std::string* key = request.header("idempotency-key")) start.idempotency_key = *key;
  api.engine.start(std::move(start), [responder = std::move(responder)](Result<StartReply> reply) mutable {
    if (!reply) return responder.send(http::error_response(reply.error()));
    responder.send(
        http::HttpResponse::json(reply->created ? 201 : 200, {{"instance_id", reply->instance_id},
                                                              {"status", status_name(reply->status)},
                                                              {"created", reply->created}}));
  });
}

}  // namespace

void add_workflow_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/workflows", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    list_types(api, std::move(r));
  });
  router.add("POST", "/api/v1/workflows/{type}/instances",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               start(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
