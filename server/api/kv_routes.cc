// The durable key-value facility, read-only for operators (docs/kv.md):
//   GET /api/v1/kv/{namespace}?prefix=&cursor=&limit=&deleted=&conflicted=
//       a page of entries in key order: {namespace, entries, next_cursor}
//       (deleted: exclude (default), include or only; conflicted=true: only
//       entries whose compare-and-set was ever refused)
//   GET /api/v1/kv/{namespace}/{key}   one entry with its history (the rest
//       of the path is the key: "page/1" may be sent as is or as "page%2F1")
// Workflows write through journaled steps (engine/kv/kv_step.h); there is
// no write route, so what a workflow keeps cannot change behind its back.
// Both reads run on a storage snapshot in the engine's read pool.
#include "engine/kv/kv_service.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

using nlohmann::json;

std::optional<http::HttpResponse> check_namespace(const PathParams& params) {
  if (auto valid = check_kv_namespace(params.at("namespace")); !valid)
    return bad_argument(valid.error().message);
  return std::nullopt;
}

void list_kv(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
             http::Responder responder) {
  if (auto bad = check_namespace(params)) return responder.send(std::move(*bad));
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  KvListQuery q;
  q.ns = params.at("namespace");
  q.limit = static_cast<size_t>(*limit);
  if (auto prefix = request.query_param("prefix")) {
    if (!prefix->empty()) {
      if (auto valid = check_kv_key(*prefix); !valid)
        return responder.send(bad_argument(valid.error().message));
    }
    q.prefix = *prefix;
  }
  if (auto cursor = request.query_param("cursor")) {
    if (!cursor->empty()) {
      if (auto valid = check_kv_key(*cursor); !valid)
        return responder.send(bad_argument("cursor: " + valid.error().message));
    }
    q.after = *cursor;
  }
  if (auto deleted = request.query_param("deleted")) {
    if (*deleted == "include") {
      q.deleted = KvListQuery::Deleted::kInclude;
    } else if (*deleted == "only") {
      q.deleted = KvListQuery::Deleted::kOnly;
    } else if (*deleted != "exclude") {
      return responder.send(bad_argument("deleted must be exclude, include or only"));
    }
  }
  if (auto conflicted = request.query_param("conflicted")) {
    if (*conflicted != "true" && *conflicted != "false")
      return responder.send(bad_argument("conflicted must be true or false"));
    q.conflicted_only = *conflicted == "true";
  }
  api.engine.read<json>(
      [q](Store& snapshot) -> Result<json> {
        SUNDIAL_ASSIGN_OR_RETURN(KvPage page, list_kv_page(snapshot, q));
        json entries = json::array();
        for (const KvEntry& e : page.entries) entries.push_back(kv_entry_to_json(e, false));
        json next = page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor);
        return json{{"namespace", q.ns}, {"entries", std::move(entries)}, {"next_cursor", std::move(next)}};
      },
      [responder = std::move(responder)](Result<json> r) mutable {
        answer(responder, r, 200, [](const json& j) { return j; });
      });
}

void get_kv(const AdminApi& api, const PathParams& params, http::Responder responder) {
  if (auto bad = check_namespace(params)) return responder.send(std::move(*bad));
  const std::string& key = params.at("key");
  if (auto valid = check_kv_key(key); !valid) return responder.send(bad_argument(valid.error().message));
  api.engine.read<json>(
      [ns = params.at("namespace"), key](Store& snapshot) -> Result<json> {
        SUNDIAL_ASSIGN_OR_RETURN(auto bytes, snapshot.get(Cf::kKv, kv_row_key(ns, key)));
        if (!bytes)
          return make_error(ErrorCode::kNotFound, "no kv entry '" + key + "' in namespace '" + ns + "'");
        SUNDIAL_ASSIGN_OR_RETURN(KvEntry entry, decode_kv_entry(ns, key, *bytes));
        json j = kv_entry_to_json(entry, true);
        j["namespace"] = ns;
        return j;
      },
      [responder = std::move(responder)](Result<json> r) mutable {
        answer(responder, r, 200, [](const json& j) { return j; });
      });
}

}  // namespace

void add_kv_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/kv/{namespace}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               list_kv(api, req, p, std::move(r));
             });
  router.add(
      "GET", "/api/v1/kv/{namespace}/{key...}",
      [api](http::HttpRequest&&, const PathParams& p, http::Responder r) { get_kv(api, p, std::move(r)); });
}

}  // namespace sundial::api
