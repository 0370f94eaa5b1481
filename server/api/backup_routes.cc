// Online backups (docs/operations.md, "Backups and restore"):
//   POST /api/v1/backups {"path": "/abs/new/dir"}
//     201 {"path", "created_at", "sequence", "schema_version", "files",
//          "bytes", "took_ms"} once the backup is whole and durable.
// The path is on the server's host and must not exist yet (409 when it
// does, or while another backup runs; 400 when it is relative or its
// parent is missing). Writes go on while it is taken (Engine::backup).
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

nlohmann::json backup_to_json(const BackupInfo& info) {
  return {{"path", info.path},   {"created_at", info.created_at},         {"sequence", info.sequence},
          {"files", info.files}, {"bytes", info.bytes},                   {"took_ms", info.took_ms},
          {"schema_version", info.schema_version}};
}

void post_backup(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  for (const auto& [key, value] : body->items()) {
    if (key != "path") return responder.send(bad_argument("unknown field '" + key + "'; a backup takes 'path'"));
  }
  auto path = optional_string_field(*body, "path");
  if (!path) return responder.send(std::move(path.error()));
  if (!*path || (*path)->empty()) {
    return responder.send(bad_argument("'path' (a new directory on the server's host, absolute) is required"));
  }
  if ((*path)->size() > 4096) return responder.send(bad_argument("'path' is longer than 4096 bytes"));
  api.engine.backup(**path, [responder = std::move(responder)](Result<BackupInfo> taken) mutable {
    answer(responder, taken, 201, backup_to_json);
  });
}

}  // namespace

void add_backup_routes(Router& router, const AdminApi& api) {
  router.add("POST", "/api/v1/backups", [api](http::HttpRequest&& request, const PathParams&, http::Responder r) {
    post_backup(api, request, std::move(r));
  });
}

}  // namespace sundial::api
