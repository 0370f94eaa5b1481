// The workflow types: GET /api/v1/workflows, a Lua script's PUT, GET and
// DELETE /api/v1/workflows/{type} (docs/lua.md), and the start, POST
// /api/v1/workflows/{type}/instances.
#include "engine/base/json_fields.h"
#include "engine/base/utf8.h"
#include "engine/queries.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/http/error_response.h"
#include "workflows/lua/loader.h"

namespace sundial::api {

namespace {

void list_types(const AdminApi& api, http::Responder responder) {
  if (api.scripts != nullptr) {
    return api.scripts->list([responder = std::move(responder)](Result<nlohmann::json> list) mutable {
      if (!list) return responder.send(http::error_response(list.error()));
      responder.send(http::HttpResponse::json(200, *list));
    });
  }
  nlohmann::json types = nlohmann::json::array();
  for (const WorkflowType* t : api.engine.registry().list()) {
    types.push_back({{"type", t->name},
                     {"kind", t->kind},
                     {"description", t->description},
                     {"version", t->version.empty() ? nlohmann::json(nullptr) : nlohmann::json(t->version)},
                     {"versions", nlohmann::json::array()}});
  }
  responder.send(http::HttpResponse::json(200, {{"workflows", types}}));
}

Result<void> scripts_enabled(const AdminApi& api) {
  if (api.scripts != nullptr) return ok();
  return make_error(ErrorCode::kNotFound, "this server loads no workflow scripts");
}

// The script text of PUT: text/x-lua or text/plain, UTF-8.
Result<void> check_script_body(const http::HttpRequest& request) {
  const std::string* type = request.header("content-type");
  std::string_view media = type ? std::string_view(*type) : std::string_view();
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media != "text/x-lua" && media != "text/plain") {
    return make_error(ErrorCode::kUnsupportedMediaType,
                      "a workflow script is sent as Content-Type: text/x-lua (or text/plain)");
  }
  if (request.body.empty()) return make_error(ErrorCode::kInvalidArgument, "the script is empty");
  // The script cap holds when server.max_body_bytes lets larger bodies in.
  if (request.body.size() > lua::kMaxScriptBytes) {
    return make_error(ErrorCode::kPayloadTooLarge,
                      "the script is larger than " + std::to_string(lua::kMaxScriptBytes) + " bytes");
  }
  return ok();
}

void put_script(const AdminApi& api, http::HttpRequest&& request, const PathParams& params,
                http::Responder responder) {
  if (auto enabled = scripts_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  if (auto body = check_script_body(request); !body)
    return responder.send(http::error_response(body.error()));
  api.scripts->put(
      params.at("type"), std::move(request.body),
      [responder = std::move(responder)](Result<lua::ScriptCatalog::Installed> installed) mutable {
        if (!installed) return responder.send(http::error_response(installed.error()));
        responder.send(http::HttpResponse::json(
            installed->created ? 201 : 200, {{"type", installed->type}, {"version", installed->version}}));
      });
}

void get_script(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                http::Responder responder) {
  if (auto enabled = scripts_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  const std::string& type = params.at("type");
  std::string version = request.query_param("version").value_or("");
  auto script = api.scripts->script(type, version);
  if (script == nullptr) {
    return responder.send(http::error_response(
        Error{ErrorCode::kNotFound, version.empty()
                                        ? "no workflow script '" + type + "'"
                                        : "no version " + version + " of workflow script '" + type + "'"}));
  }
  http::HttpResponse response = http::HttpResponse::text(200, script->source(), "text/x-lua; charset=utf-8");
  response.headers.emplace_back("X-Workflow-Version", script->version());
  responder.send(std::move(response));
}

void upgrade_instances(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                       http::Responder responder) {
  if (auto enabled = scripts_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  for (const auto& [key, value] : body->items()) {
    if (key != "from")
      return responder.send(bad_argument("unknown field '" + key + "'; an upgrade takes 'from'"));
  }
  if (!body->contains("from") || !(*body)["from"].is_string()) {
    return responder.send(bad_argument("'from' (the version to move instances from) is required"));
  }
  api.scripts->upgrade(params.at("type"), (*body)["from"].get<std::string>(),
                       [responder = std::move(responder)](Result<nlohmann::json> report) mutable {
                         if (!report) return responder.send(http::error_response(report.error()));
                         responder.send(http::HttpResponse::json(200, *report));
                       });
}

void delete_script(const AdminApi& api, const PathParams& params, http::Responder responder) {
  if (auto enabled = scripts_enabled(api); !enabled)
    return responder.send(http::error_response(enabled.error()));
  std::string type = params.at("type");
  api.scripts->remove(type, [type, responder = std::move(responder)](Result<void> removed) mutable {
    if (!removed) return responder.send(http::error_response(removed.error()));
    responder.send(http::HttpResponse::json(200, {{"type", type}, {"deleted", true}}));
  });
}

void start(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
           http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  StartRequest start;
  start.type = params.at("type");
  if (body->contains("id")) {
    if (!(*body)["id"].is_string()) return responder.send(bad_argument("'id' must be a string"));
    start.id = (*body)["id"].get<std::string>();
  }
  if (body->contains("input")) start.input = (*body)["input"];
  if (body->contains("concurrency")) {
    auto spec = parse_concurrency((*body)["concurrency"]);
    if (!spec) return responder.send(http::error_response(spec.error()));
    start.concurrency = std::move(*spec);
  }
  if (body->contains("id_reuse")) {
    auto parsed = parse_id_reuse_field((*body)["id_reuse"], start.id.has_value());
    if (!parsed) return responder.send(http::error_response(parsed.error()));
    start.id_reuse = *parsed;
  }
  if (auto known = check_known_fields(*body, "", {"id", "input", "concurrency", "id_reuse", "send_window"});
      !known) {
    return responder.send(http::error_response(known.error()));
  }
  // The engine reads it (a name against the deployment's windows) and
  // refuses a bad one (400) before anything is stored.
  if (auto window = body->find("send_window"); window != body->end()) start.send_window = *window;
  if (const std::string* key = request.header("idempotency-key")) start.idempotency_key = *key;
  api.engine.start(std::move(start), [responder = std::move(responder)](Result<StartReply> reply) mutable {
    if (!reply) return responder.send(http::error_response(reply.error()));
    responder.send(http::HttpResponse::json(reply->created ? 201 : 200, start_reply_to_json(*reply)));
  });
}

}  // namespace

void add_workflow_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/workflows", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    list_types(api, std::move(r));
  });
  router.add("PUT", "/api/v1/workflows/{type}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               put_script(api, std::move(req), p, std::move(r));
             });
  router.add("GET", "/api/v1/workflows/{type}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               get_script(api, req, p, std::move(r));
             });
  router.add("DELETE", "/api/v1/workflows/{type}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               delete_script(api, p, std::move(r));
             });
  router.add("POST", "/api/v1/workflows/{type}/upgrade",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               upgrade_instances(api, req, p, std::move(r));
             });
  router.add("POST", "/api/v1/workflows/{type}/instances",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               start(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
