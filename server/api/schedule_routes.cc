// Schedules (docs/schedules.md, docs/http-api.md "Schedules"):
//   POST   /api/v1/schedules                  create (the same spec again: 200)
//   GET    /api/v1/schedules?limit=&cursor=   list, in id order, each with its next 3 times
//   GET    /api/v1/schedules/{id}             one
//   PUT    /api/v1/schedules/{id}             create or replace
//   DELETE /api/v1/schedules/{id}             delete, with its run log
//   POST   /api/v1/schedules/{id}/pause|resume|trigger
//   GET    /api/v1/schedules/{id}/runs?limit=&cursor=   the run log, newest first
// Changes answer once durable; reads of schedules are from memory, the run
// log is read on the query pool.
#include <string>

#include "engine/schedules/schedule_runs.h"
#include "engine/schedules/schedule_service.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

using nlohmann::json;

json schedule_to_json(const ScheduleView& v) {
  const ScheduleState& s = v.record.state;
  json out = schedule_spec_json(v.record.spec);
  out["paused"] = s.paused;
  out["source"] = schedule_source_name(s.source);
  if (s.source == ScheduleSource::kScript) out["script"] = s.owner;
  out["next"] = v.next;
  out["created_at"] = s.created_at;
  out["updated_at"] = s.updated_at;
  out["fires"] = s.fires;
  out["misfires"] = s.misfires;
  out["last_target"] = s.last_target.empty() ? json(nullptr) : json(s.last_target);
  out["firing"] = v.firing;
  return out;
}

json run_to_json(const ScheduleRunView& v) {
  const ScheduleRun& r = v.run;
  json out = {{"seq", r.seq},
              {"nominal_time", r.nominal_time},
              {"started_at", r.started_at},
              {"target_id", r.target_id.empty() ? json(nullptr) : json(r.target_id)},
              {"outcome", v.outcome},
              {"duration_ms", v.duration_ms ? json(*v.duration_ms) : json(nullptr)},
              {"trigger", run_trigger_name(r.trigger)}};
  if (!r.error.empty()) out["error"] = r.error;
  return out;
}

// The spec in the body, checked against what this server can run.
std::expected<ScheduleSpec, http::HttpResponse> read_schedule_spec(const AdminApi& api,
                                                                   const http::HttpRequest& request,
                                                                   std::optional<std::string_view> id) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return std::unexpected(std::move(body.error()));
  auto spec = parse_schedule_spec(*body, id);
  if (!spec) return std::unexpected(bad_argument(spec.error().message));
  if (spec->action.kind == ScheduleActionKind::kStart &&
      api.engine.registry().find(spec->action.target) == nullptr) {
    return std::unexpected(
        bad_argument("action.start.type '" + spec->action.target +
                     "' is not a workflow type of this server (GET /api/v1/workflows lists them)"));
  }
  return std::move(*spec);
}

std::optional<http::HttpResponse> check_id(const PathParams& params) {
  if (auto valid = validate_schedule_id(params.at("id")); !valid) return bad_argument(valid.error().message);
  return std::nullopt;
}

template <typename T>
auto send_view(http::Responder responder, int status) {
  return [responder = std::move(responder), status](Result<T> r) mutable {
    if (!r) return responder.send(http::error_response(r.error()));
    if constexpr (std::is_same_v<T, ScheduleService::Changed>) {
      responder.send(http::HttpResponse::json(r->created ? 201 : 200, schedule_to_json(r->view)));
    } else {
      responder.send(http::HttpResponse::json(status, schedule_to_json(*r)));
    }
  };
}

void list_schedules(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  std::string after;
  if (auto c = request.query_param("cursor"); c) after = *c;
  auto views = api.engine.schedules().list(after, static_cast<size_t>(*limit) + 1);
  bool more = views.size() > static_cast<size_t>(*limit);
  if (more) views.pop_back();
  json out = json::array();
  for (const auto& v : views) out.push_back(schedule_to_json(v));
  json next = more ? json(views.back().record.spec.id) : json(nullptr);
  responder.send(http::HttpResponse::json(200, {{"schedules", std::move(out)}, {"next_cursor", next}}));
}

void list_schedule_runs(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                        http::Responder responder) {
  if (auto bad = check_id(params)) return responder.send(std::move(*bad));
  auto limit = query_int(request, "limit", 50, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  auto before = query_int(request, "cursor", 0, 1, INT64_MAX);
  if (!before) return responder.send(std::move(before.error()));
  std::optional<uint64_t> cursor;
  if (*before > 0) cursor = static_cast<uint64_t>(*before);
  api.engine.read<json>(
      [id = params.at("id"), cursor, n = static_cast<size_t>(*limit)](Store& snapshot) -> Result<json> {
        SUNDIAL_ASSIGN_OR_RETURN(ScheduleRunsPage page, read_schedule_runs(snapshot, id, cursor, n));
        json out = json::array();
        for (const auto& v : page.runs) out.push_back(run_to_json(v));
        json next = page.next_before ? json(std::to_string(*page.next_before)) : json(nullptr);
        return json{{"runs", std::move(out)}, {"next_cursor", next}};
      },
      [responder = std::move(responder)](Result<json> r) mutable {
        answer(responder, r, 200, [](const json& j) { return j; });
      });
}

using Verb = void (ScheduleService::*)(const std::string&, ScheduleService::Done<ScheduleView>);

void add_verb(Router& router, const AdminApi& api, const std::string& path, Verb verb) {
  router.add("POST", path, [api, verb](http::HttpRequest&&, const PathParams& p, http::Responder r) {
    if (auto bad = check_id(p)) return r.send(std::move(*bad));
    (api.engine.schedules().*verb)(p.at("id"), send_view<ScheduleView>(std::move(r), 200));
  });
}

}  // namespace

void add_schedule_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/schedules",
             [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
               list_schedules(api, req, std::move(r));
             });
  router.add("POST", "/api/v1/schedules",
             [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
               auto spec = read_schedule_spec(api, req, std::nullopt);
               if (!spec) return r.send(std::move(spec.error()));
               api.engine.schedules().create(std::move(*spec),
                                             send_view<ScheduleService::Changed>(std::move(r), 201));
             });
  router.add("GET", "/api/v1/schedules/{id}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               if (auto bad = check_id(p)) return r.send(std::move(*bad));
               auto view = api.engine.schedules().view(p.at("id"));
               if (!view)
                 return r.send(
                     http::error_response(Error{ErrorCode::kNotFound, "no schedule '" + p.at("id") + "'"}));
               r.send(http::HttpResponse::json(200, schedule_to_json(*view)));
             });
  router.add("PUT", "/api/v1/schedules/{id}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               if (auto bad = check_id(p)) return r.send(std::move(*bad));
               auto spec = read_schedule_spec(api, req, p.at("id"));
               if (!spec) return r.send(std::move(spec.error()));
               api.engine.schedules().replace(std::move(*spec),
                                              send_view<ScheduleService::Changed>(std::move(r), 200));
             });
  router.add("DELETE", "/api/v1/schedules/{id}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               if (auto bad = check_id(p)) return r.send(std::move(*bad));
               api.engine.schedules().remove(p.at("id"), [r = std::move(r)](Result<ScheduleView> v) mutable {
                 if (!v) return r.send(http::error_response(v.error()));
                 json out = schedule_to_json(*v);
                 out["deleted"] = true;
                 r.send(http::HttpResponse::json(200, out));
               });
             });
  add_verb(router, api, "/api/v1/schedules/{id}/pause", &ScheduleService::pause);
  add_verb(router, api, "/api/v1/schedules/{id}/resume", &ScheduleService::resume);
  router.add("POST", "/api/v1/schedules/{id}/trigger",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               if (auto bad = check_id(p)) return r.send(std::move(*bad));
               api.engine.schedules().trigger(p.at("id"),
                                              [r = std::move(r)](Result<ScheduleRun> run) mutable {
                                                if (!run) return r.send(http::error_response(run.error()));
                                                ScheduleRunView v{*run, run->fired, std::nullopt};
                                                r.send(http::HttpResponse::json(200, run_to_json(v)));
                                              });
             });
  router.add("GET", "/api/v1/schedules/{id}/runs",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               list_schedule_runs(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
