// AuditTrail: the one place that decides which API calls the audit log
// (engine/audit/audit_log.h) records and what each entry says, so a route
// added later is audited without a line of its own. SundialServer calls
// watch() for every request before the bearer check; when the call is one
// to audit, the entry is recorded as the answer is sent (Responder::
// on_answer), refusals (400, 403, 404, 409, ...) included.
//
// Audited: every call under /api/ whose method is not GET, HEAD or OPTIONS,
// made with a known token (or with none configured: then every caller is
// the admin), except the high-rate task calls of workers (is_worker_route:
// claim, heartbeat, complete, fail, whatever the token) and minting a
// stream token (POST /api/v1/stream-tokens, which changes nothing). A call
// without a known token (401) is not recorded: nobody can be named, and
// anyone who reaches the port could fill the log; the access log has it.
//
// An entry holds no request body: `target` is the id a successful answer
// names (a start's `instance_id`, a created schedule's `id`), else the
// path's first capture (`{id}`, `{queue}`, `{type}`, ...).
//
// Threading: loop thread. Ownership: borrows the BearerAuth and Router,
// which must outlive it; the answers' observers hold only a weak reference
// to the AuditLog, so an answer sent after the engine closed records nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/audit/audit_log.h"
#include "server/api/auth.h"
#include "server/api/router.h"
#include "server/http/message.h"
#include "server/http/responder.h"

namespace sundial::api {

// The names the audit log gives each token ([server] admin_token_name, ...).
struct TokenNames {
  // Default: "admin".
  std::string admin = "admin";
  // Default: "viewer".
  std::string viewer = "viewer";
  // Default: "worker".
  std::string worker = "worker";

  const std::string& of(Role role) const;
};

class AuditTrail {
 public:
  AuditTrail(std::weak_ptr<AuditLog> log, const BearerAuth& auth, const Router& router, TokenNames names);

  // Whether `method path` is a call the trail records (with a known token).
  static bool is_audited(std::string_view method, std::string_view path);
  // If `request` is audited, makes `responder` record its answer.
  void watch(const http::HttpRequest& request, http::Responder& responder) const;

 private:
  std::weak_ptr<AuditLog> log_;
  const BearerAuth& auth_;
  const Router& router_;
  TokenNames names_;
};

// "ok" for a status below 400; else the answer's error code
// ({"error":{"code":..}}), or "http_<status>" when the body has none.
std::string audit_outcome(const http::HttpResponse& response);

}  // namespace sundial::api
