// GET /api/v1/limits: the shared rate limiters ([limits.<name>],
// docs/flow-control.md) as they stand now: rate, burst, buckets (one per
// sub-key in use), calls waiting, the fewest tokens in any bucket and how
// often a provider's Retry-After held one. Read on the loop from memory.
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

nlohmann::json limiter_to_json(const LimiterView& v) {
  return {{"name", v.name},         {"rate", v.spec.rate_per_second}, {"burst", v.spec.burst},
          {"sub_keys", v.sub_keys}, {"waiting", v.waiting},           {"tokens", v.tokens},
          {"holds", v.holds}};
}

}  // namespace

void add_limit_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/limits", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    nlohmann::json limits = nlohmann::json::array();
    if (api.limiters != nullptr) {
      for (const LimiterView& v : api.limiters->views()) limits.push_back(limiter_to_json(v));
    }
    r.send(http::HttpResponse::json(200, {{"limits", limits}}));
  });
}

}  // namespace sundial::api
