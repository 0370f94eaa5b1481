// GET /api/v1/timers (pending durable timers, soonest first) and
// GET /api/v1/stats (instances by status, pending timers, next due). Both
// are read on the engine's work pool and answered on the loop.
#include <limits>

#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

void timers(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto due_before = query_int(request, "due_before", 0, 0, std::numeric_limits<int64_t>::max());
  if (!due_before) return responder.send(std::move(due_before.error()));
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  api.engine.timers(*due_before, static_cast<size_t>(*limit),
                    [responder = std::move(responder)](Result<std::vector<keys::TimerKey>> pending) mutable {
                      answer(responder, pending, 200, timers_to_json);
                    });
}

void stats(const AdminApi& api, http::Responder responder) {
  api.engine.stats([responder = std::move(responder)](Result<InstanceStats> counted) mutable {
    answer(responder, counted, 200, stats_to_json);
  });
}

}  // namespace

void add_timer_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/timers", [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
    timers(api, req, std::move(r));
  });
  router.add("GET", "/api/v1/stats", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    stats(api, std::move(r));
  });
}

}  // namespace sundial::api
