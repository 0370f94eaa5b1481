// GET /api/v1/audit?limit=&cursor=&before=&route=&target= — the audit log
// (engine/audit/audit_query.h), newest first, read from one storage
// snapshot and encoded on the query pool (snapshot_answer.h). The admin
// and the viewer may read it: entries hold no secret.
#include <limits>
#include <utility>

#include "engine/audit/audit_query.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/api/snapshot_answer.h"

namespace sundial::api {

namespace {

void list_audit(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  AuditQuery query;
  auto limit = query_int(request, "limit", 50, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  query.limit = static_cast<size_t>(*limit);
  if (request.query_param("cursor")) {
    auto cursor = query_int(request, "cursor", 1, 1, std::numeric_limits<int64_t>::max());
    if (!cursor) return responder.send(std::move(cursor.error()));
    query.cursor = static_cast<uint64_t>(*cursor);
  }
  if (request.query_param("before")) {
    auto before = query_int(request, "before", 0, 0, std::numeric_limits<int64_t>::max());
    if (!before) return responder.send(std::move(before.error()));
    query.before = *before;
  }
  query.route = request.query_param("route").value_or("");
  query.target = request.query_param("target").value_or("");
  answer_from_snapshot(
      api.engine, std::move(responder), [query = std::move(query)](Store& s) { return read_audit(s, query); },
      audit_page_to_json);
}

}  // namespace

void add_audit_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/audit", [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
    list_audit(api, req, std::move(r));
  });
}

}  // namespace sundial::api
