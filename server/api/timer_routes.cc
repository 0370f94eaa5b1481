// GET /api/v1/timers (pending durable timers, soonest first) and
// GET /api/v1/stats (instances by status and by type, pending timers, next
// due, the last hour's activity and the event stream's position). Both
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

nlohmann::json activity_to_json(const ActivityReport& report) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const ActivityBucket& b : report.buckets) {
    buckets.push_back({{"at", b.at}, {"started", b.started}, {"completed", b.completed}, {"failed", b.failed}});
  }
  return {{"counting_since", report.counting_since},
          {"bucket_ms", ActivityWindow::kBucketMs},
          {"buckets", std::move(buckets)},
          {"started", report.started},
          {"completed", report.completed},
          {"failed", report.failed}};
}

// The counts from storage, with what only this process knows: the last
// hour's activity and the event stream's position, taken before the counts
// are read, so a client streaming from it misses no change the counts
// do not show.
void stats(const AdminApi& api, http::Responder responder) {
  uint64_t last_event_seq = api.engine.events().last_published_seq();
  api.engine.stats([&engine = api.engine, last_event_seq,
                    responder = std::move(responder)](Result<InstanceStats> counted) mutable {
    answer(responder, counted, 200, [&engine, last_event_seq](const InstanceStats& s) {
      nlohmann::json j = stats_to_json(s);
      j["activity"] = activity_to_json(engine.activity());
      j["last_event_seq"] = last_event_seq;
      return j;
    });
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
