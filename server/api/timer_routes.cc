// GET /api/v1/timers (pending durable timers, soonest first) and
// GET /api/v1/stats (instances by status, pending timers, next due). Both
// are read on the engine's work pool (timers encoded there too,
// snapshot_answer.h; stats share the engine's coalesced count).
#include <limits>

#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/api/snapshot_answer.h"

namespace sundial::api {

namespace {

void timers(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto due_before = query_int(request, "due_before", 0, 0, std::numeric_limits<int64_t>::max());
  if (!due_before) return responder.send(std::move(due_before.error()));
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  answer_from_snapshot(
      api.engine, std::move(responder),
      [due_before = *due_before, limit = static_cast<size_t>(*limit)](Store& s) {
        return pending_timers(s, due_before, limit);
      },
      timers_to_json);
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
  router.add("GET", "/api/v1/stats",
             [api](http::HttpRequest&&, const PathParams&, http::Responder r) { stats(api, std::move(r)); });
}

}  // namespace sundial::api
