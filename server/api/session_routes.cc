// Who the caller is, for clients that adapt to it (the dashboard hides the
// actions a viewer cannot take):
//   GET /api/v1/session   {"role": "admin" | "viewer"}
// "admin" too when no token is configured (everyone may do everything).
// The worker token cannot call it (it may only work on tasks).
#include "server/api/admin_api.h"
#include "server/api/auth.h"
#include "server/http/error_response.h"

namespace sundial::api {

void add_session_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/session", [api](http::HttpRequest&& request, const PathParams&, http::Responder r) {
    std::optional<Role> role = api.auth != nullptr ? api.auth->role_of(request) : Role::kAdmin;
    if (!role) return r.send(http::error_response(Error{ErrorCode::kUnauthorized, "invalid bearer token"}));
    r.send(http::HttpResponse::json(200, {{"role", std::string(role_name(*role))}}));
  });
}

}  // namespace sundial::api
