// GET /api/v1/instances (list), /api/v1/instances/{id} (describe) and
// /api/v1/instances/{id}/history. Each is read from one storage snapshot
// and encoded on the engine's work pool (snapshot_answer.h).
#include <limits>
#include <utility>

#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/api/snapshot_answer.h"

namespace sundial::api {

namespace {

// ?attr.NAME=VALUE: at most one search attribute (engine/model/search_attributes.h).
std::expected<std::optional<SearchAttribute>, http::HttpResponse> attr_filter(const http::HttpRequest& request) {
  std::optional<SearchAttribute> attr;
  for (const auto& [key, value] : request.query) {
    if (!key.starts_with("attr.")) continue;
    if (attr) return std::unexpected(bad_argument("one attr.NAME filter per listing"));
    std::string name = key.substr(5);
    if (auto valid = validate_search_attribute_name(name); !valid) {
      return std::unexpected(bad_argument(valid.error().message));
    }
    if (value.empty() || value.size() > kMaxSearchAttributeValueBytes) {
      return std::unexpected(bad_argument("attr." + name + " must be 1 to " +
                                          std::to_string(kMaxSearchAttributeValueBytes) + " bytes"));
    }
    attr = SearchAttribute{name, value};
  }
  return attr;
}

void list(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  ListQuery query;
  if (auto status = request.query_param("status"); status && !status->empty()) {
    query.status = parse_status(*status);
    if (!query.status) {
      std::string names;
      for (InstanceStatus s : kAllStatuses)
        names += (names.empty() ? "" : ", ") + std::string(status_name(s));
      return responder.send(bad_argument("unknown status '" + *status + "'; one of " + names));
    }
  }
  if (auto type = request.query_param("type"); type && !type->empty()) query.type = *type;
  auto attr = attr_filter(request);
  if (!attr) return responder.send(std::move(attr.error()));
  query.attr = std::move(*attr);
  query.id_prefix = request.query_param("id_prefix").value_or("");
  if (query.id_prefix.size() > 200) {
    return responder.send(bad_argument("id_prefix must be at most 200 bytes (an instance id's length)"));
  }
  for (auto [name, bound] : {std::pair{"created_after", &query.created_after},
                             std::pair{"created_before", &query.created_before}}) {
    if (!request.query_param(name)) continue;
    auto ms = query_int(request, name, 0, 0, std::numeric_limits<int64_t>::max());
    if (!ms) return responder.send(std::move(ms.error()));
    *bound = *ms;
  }
  if (auto order = request.query_param("order"); order && !order->empty()) {
    if (*order != "asc" && *order != "desc") {
      return responder.send(bad_argument("order must be 'asc' or 'desc', got '" + *order + "'"));
    }
    query.newest_first = *order == "desc";
  }
  auto limit = query_int(request, "limit", 50, 1, static_cast<int64_t>(kMaxListLimit));
  if (!limit) return responder.send(std::move(limit.error()));
  query.limit = static_cast<size_t>(*limit);
  query.cursor = request.query_param("cursor").value_or("");
  answer_from_snapshot(
      api.engine, std::move(responder),
      [query = std::move(query)](Store& s) { return list_instances(s, query); }, list_page_to_json);
}

// ?run=N: an earlier run of an id that ran again (id_reuse); none for the
// latest.
std::expected<std::optional<uint32_t>, http::HttpResponse> run_param(const http::HttpRequest& request) {
  if (!request.query_param("run")) return std::optional<uint32_t>();
  auto run = query_int(request, "run", 1, 1, UINT32_MAX);
  if (!run) return std::unexpected(std::move(run.error()));
  return std::optional<uint32_t>(static_cast<uint32_t>(*run));
}

void get_instance(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                  http::Responder responder) {
  auto run = run_param(request);
  if (!run) return responder.send(std::move(run.error()));
  answer_from_snapshot(
      api.engine, std::move(responder),
      [id = params.at("id"), run = *run](Store& s) { return describe_json(s, id, run); },
      [](const nlohmann::json& j) { return j; });
}

void history(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
             http::Responder responder) {
  auto run = run_param(request);
  if (!run) return responder.send(std::move(run.error()));
  const std::string& id = params.at("id");
  answer_from_snapshot(
      api.engine, std::move(responder), [id, run = *run](Store& s) { return instance_history(s, id, run); },
      [id](const RunHistory& history) { return history_to_json(id, history); });
}

}  // namespace

void add_instance_routes(Router& router, const AdminApi& api) {
  router.add(
      "GET", "/api/v1/instances",
      [api](http::HttpRequest&& req, const PathParams&, http::Responder r) { list(api, req, std::move(r)); });
  router.add("GET", "/api/v1/instances/{id}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               get_instance(api, req, p, std::move(r));
             });
  router.add("GET", "/api/v1/instances/{id}/history",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               history(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
