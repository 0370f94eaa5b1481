// The admin REST API (DESIGN.md section 2, docs/http-api.md): workflow
// types, start, list, describe, history, the steering commands, signals,
// timers, stats and the Server-Sent Events stream. Handlers answer only in
// the engine's callback, which runs after the change is durable.
//
// Threading: loop thread only. Ownership: the routes borrow the Engine and
// the Loop, which must outlive the Router.
#pragma once

#include "engine/base/json_parse.h"
#include "engine/engine.h"
#include "engine/flow/limiters.h"
#include "engine/limits/limiter_catalog.h"
#include "engine/loop/loop.h"
#include "server/api/router.h"
#include "workflows/lua/catalog.h"

namespace sundial::api {

class StreamTokens;
class BearerAuth;

struct AdminApi {
  Engine& engine;
  Loop& loop;
  // Milliseconds between SSE keep-alive comments. Default: 15 s.
  uint64_t sse_keepalive_ms = 15000;
  // Bodies nested deeper are refused (400). Default: 64 ([server] max_json_depth).
  JsonLimits json_limits = {};
  // The Lua workflow scripts (PUT/GET/DELETE /api/v1/workflows/{type});
  // none: those routes answer 404.
  lua::ScriptCatalog* scripts = nullptr;
  // The shared rate limiters ([limits.<name>] and those made through the
  // API); none: GET /api/v1/limits lists none, and PUT, GET and DELETE
  // /api/v1/limits/{name} answer 404.
  LimiterCatalog* limits = nullptr;
  // What webhook route `name` learned from its provider's handshake
  // (GET /api/v1/webhooks/{name}/verification); nullopt: 404.
  std::function<std::optional<nlohmann::json>(std::string_view name)> webhook_verification = {};
  // Mints the browser stream tokens (POST /api/v1/stream-tokens); none: 404.
  const StreamTokens* stream_tokens = nullptr;
  // Tells GET /api/v1/session the caller's role; none: every caller is admin.
  const BearerAuth* auth = nullptr;
};

void add_admin_routes(Router& router, const AdminApi& api);

// One group of routes each (in their own files).
void add_workflow_routes(Router& router, const AdminApi& api);
void add_instance_routes(Router& router, const AdminApi& api);
void add_command_routes(Router& router, const AdminApi& api);
void add_bulk_routes(Router& router, const AdminApi& api);
void add_timer_routes(Router& router, const AdminApi& api);
void add_event_routes(Router& router, const AdminApi& api);
void add_task_routes(Router& router, const AdminApi& api);
void add_limit_routes(Router& router, const AdminApi& api);
void add_schedule_routes(Router& router, const AdminApi& api);
void add_webhook_routes(Router& router, const AdminApi& api);
void add_kv_routes(Router& router, const AdminApi& api);
void add_topic_routes(Router& router, const AdminApi& api);
void add_subscription_routes(Router& router, const AdminApi& api);
void add_session_routes(Router& router, const AdminApi& api);
void add_backup_routes(Router& router, const AdminApi& api);
void add_erasure_routes(Router& router, const AdminApi& api);
void add_audit_routes(Router& router, const AdminApi& api);

}  // namespace sundial::api
