// The shared rate limiters (docs/flow-control.md, "Shared rate limiters"):
// GET /api/v1/limits lists them as they stand now (rate, burst, buckets —
// one per sub-key in use —, calls waiting, the fewest tokens in any
// bucket, how often a provider's Retry-After held one, and where each was
// declared); PUT, GET and DELETE /api/v1/limits/{name} make, read, change
// and delete one at run time (LimiterCatalog: durable before the answer).
// Reads are on the loop from memory.
#include <algorithm>

#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

nlohmann::json limiter_to_json(const LimiterView& v) {
  return {{"name", v.name},         {"rate", v.spec.rate_per_second},
          {"burst", v.spec.burst},  {"source", limiter_source_name(v.source)},
          {"sub_keys", v.sub_keys}, {"waiting", v.waiting},
          {"tokens", v.tokens},     {"holds", v.holds}};
}

Result<void> limits_enabled(const AdminApi& api) {
  if (api.limits != nullptr) return ok();
  return make_error(ErrorCode::kNotFound, "this server has no rate limiters");
}

// The body of PUT: {"rate": R, "burst"?: B}; burst defaults to max(1, rate).
std::expected<LimiterSpec, http::HttpResponse> read_spec(const AdminApi& api,
                                                         const http::HttpRequest& request) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return std::unexpected(std::move(body.error()));
  for (const auto& [key, value] : body->items()) {
    if (key != "rate" && key != "burst")
      return std::unexpected(bad_argument("unknown field '" + key + "'; a limiter takes 'rate' and 'burst'"));
  }
  auto rate = body->find("rate");
  if (rate == body->end() || !rate->is_number()) {
    return std::unexpected(bad_argument("'rate' (requests per second, a number above 0) is required"));
  }
  LimiterSpec spec;
  spec.rate_per_second = rate->get<double>();
  spec.burst = std::max(1.0, spec.rate_per_second);
  if (auto burst = body->find("burst"); burst != body->end()) {
    if (!burst->is_number())
      return std::unexpected(bad_argument("'burst' must be a number from 1 to 1000000"));
    spec.burst = burst->get<double>();
  }
  if (auto valid = validate_limiter_spec(spec); !valid)
    return std::unexpected(bad_argument(valid.error().message));
  return spec;
}

void put_limit(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
               http::Responder responder) {
  if (auto enabled = limits_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  const std::string& name = params.at("name");
  if (auto valid = validate_limiter_name(name); !valid)
    return responder.send(bad_argument(valid.error().message));
  auto spec = read_spec(api, request);
  if (!spec) return responder.send(std::move(spec.error()));
  api.limits->put(
      name, *spec, [responder = std::move(responder)](Result<LimiterCatalog::Changed> changed) mutable {
        if (!changed) return responder.send(http::error_response(changed.error()));
        responder.send(
            http::HttpResponse::json(changed->created ? 201 : 200, limiter_to_json(changed->view)));
      });
}

void get_limit(const AdminApi& api, const PathParams& params, http::Responder responder) {
  if (auto enabled = limits_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  const std::string& name = params.at("name");
  if (auto valid = validate_limiter_name(name); !valid)
    return responder.send(bad_argument(valid.error().message));
  auto view = api.limits->limiters().view(name);
  if (!view)
    return responder.send(http::error_response(Error{ErrorCode::kNotFound, "no limiter '" + name + "'"}));
  responder.send(http::HttpResponse::json(200, limiter_to_json(*view)));
}

void delete_limit(const AdminApi& api, const PathParams& params, http::Responder responder) {
  if (auto enabled = limits_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  const std::string& name = params.at("name");
  if (auto valid = validate_limiter_name(name); !valid)
    return responder.send(bad_argument(valid.error().message));
  api.limits->remove(name, [responder = std::move(responder)](Result<LimiterView> removed) mutable {
    if (!removed) return responder.send(http::error_response(removed.error()));
    nlohmann::json out = limiter_to_json(*removed);
    out["deleted"] = true;
    responder.send(http::HttpResponse::json(200, out));
  });
}

}  // namespace

void add_limit_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/limits", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    nlohmann::json limits = nlohmann::json::array();
    if (api.limits != nullptr) {
      for (const LimiterView& v : api.limits->limiters().views()) limits.push_back(limiter_to_json(v));
    }
    r.send(http::HttpResponse::json(200, {{"limits", limits}}));
  });
  router.add("PUT", "/api/v1/limits/{name}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               put_limit(api, req, p, std::move(r));
             });
  router.add("GET", "/api/v1/limits/{name}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               get_limit(api, p, std::move(r));
             });
  router.add("DELETE", "/api/v1/limits/{name}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               delete_limit(api, p, std::move(r));
             });
}

}  // namespace sundial::api
