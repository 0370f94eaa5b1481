// Subscriptions of the event bus (docs/events.md, "Subscriptions"):
//   POST   /api/v1/subscriptions        the spec → 201 the subscription;
//                                       200 when the same one exists; 409 when the id holds another
//   GET    /api/v1/subscriptions        {"subscriptions": [...]}, each with cursor, lag and counters
//   GET    /api/v1/subscriptions/{id}
//   DELETE /api/v1/subscriptions/{id}   204; 400 for one the config or a script declares
// Answered from the subscription service's memory, or once the change is durable.
#include "engine/topics/subscription_service.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

using nlohmann::json;

json view_json(const SubscriptionService::View& v) {
  return subscription_to_json(v.record, v.lag, v.retrying);
}

void create(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  auto spec = parse_subscription_spec(*body);
  if (!spec) return responder.send(bad_argument(spec.error().message));
  api.engine.subscriptions().create(
      std::move(*spec), [r = std::move(responder)](Result<SubscriptionService::Created> created) mutable {
        if (!created) return r.send(http::error_response(created.error()));
        r.send(http::HttpResponse::json(created->created ? 201 : 200, view_json(created->view)));
      });
}

void list(const AdminApi& api, http::Responder responder) {
  json subs = json::array();
  for (const auto& v : api.engine.subscriptions().list()) subs.push_back(view_json(v));
  responder.send(http::HttpResponse::json(200, {{"subscriptions", std::move(subs)}}));
}

void show(const AdminApi& api, const PathParams& params, http::Responder responder) {
  const std::string& id = params.at("id");
  if (auto valid = validate_subscription_id(id); !valid)
    return responder.send(bad_argument(valid.error().message));
  auto view = api.engine.subscriptions().get(id);
  if (!view)
    return responder.send(http::error_response(Error{ErrorCode::kNotFound, "no subscription '" + id + "'"}));
  responder.send(http::HttpResponse::json(200, view_json(*view)));
}

void remove(const AdminApi& api, const PathParams& params, http::Responder responder) {
  const std::string& id = params.at("id");
  if (auto valid = validate_subscription_id(id); !valid)
    return responder.send(bad_argument(valid.error().message));
  api.engine.subscriptions().remove(id, [r = std::move(responder)](Result<void> removed) mutable {
    if (!removed) return r.send(http::error_response(removed.error()));
    r.send(http::HttpResponse::text(204, ""));
  });
}

}  // namespace

void add_subscription_routes(Router& router, const AdminApi& api) {
  router.add("POST", "/api/v1/subscriptions",
             [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
               create(api, req, std::move(r));
             });
  router.add("GET", "/api/v1/subscriptions",
             [api](http::HttpRequest&&, const PathParams&, http::Responder r) { list(api, std::move(r)); });
  router.add(
      "GET", "/api/v1/subscriptions/{id}",
      [api](http::HttpRequest&&, const PathParams& p, http::Responder r) { show(api, p, std::move(r)); });
  router.add(
      "DELETE", "/api/v1/subscriptions/{id}",
      [api](http::HttpRequest&&, const PathParams& p, http::Responder r) { remove(api, p, std::move(r)); });
}

}  // namespace sundial::api
