// GET /api/v1/webhooks/{name}/verification: what webhook route `name`
// learned from its provider's verification handshake (Notion posts a
// verification_token once; the operator pastes it into Notion and sets
// the route's secret to it — docs/recipes/notion-rollup-fanout.md). Read
// on the loop from memory; 404 for a route without a handshake.
#include "server/api/admin_api.h"
#include "server/http/error_response.h"

namespace sundial::api {

void add_webhook_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/webhooks/{name}/verification",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               const std::string& name = p.at("name");
               std::optional<nlohmann::json> status =
                   api.webhook_verification ? api.webhook_verification(name) : std::nullopt;
               if (!status) {
                 return r.send(http::error_response(Error{
                     ErrorCode::kNotFound, "no webhook route '" + name + "' with a verification handshake"}));
               }
               r.send(http::HttpResponse::json(200, *status));
             });
}

}  // namespace sundial::api
