#include "server/api/audit_trail.h"

#include <utility>

#include "engine/base/json_parse.h"

namespace sundial::api {

namespace {

// Answers larger than this are not read for an `id` or an error code (a
// bulk run's report): reading them would cost the loop for nothing.
constexpr size_t kMaxAnswerRead = 64 << 10;

std::optional<nlohmann::json> answer_json(const http::HttpResponse& response) {
  if (response.body.empty() || response.body.size() > kMaxAnswerRead) return std::nullopt;
  auto parsed = parse_json(response.body, JsonLimits{8});
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return std::move(*parsed);
}

// The id a successful answer names: a start's `instance_id`, a created
// schedule's or task's `id`.
std::optional<std::string> answered_id(const http::HttpResponse& response) {
  if (response.status >= 300) return std::nullopt;
  auto j = answer_json(response);
  if (!j) return std::nullopt;
  for (const char* field : {"instance_id", "id"}) {
    auto id = j->find(field);
    if (id != j->end() && id->is_string()) return id->get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

const std::string& TokenNames::of(Role role) const {
  switch (role) {
    case Role::kViewer:
      return viewer;
    case Role::kWorker:
      return worker;
    case Role::kAdmin:
      break;
  }
  return admin;
}

std::string audit_outcome(const http::HttpResponse& response) {
  if (response.status < 400) return "ok";
  if (auto j = answer_json(response)) {
    auto error = j->find("error");
    if (error != j->end() && error->is_object()) {
      auto code = error->find("code");
      if (code != error->end() && code->is_string()) return code->get<std::string>();
    }
  }
  return "http_" + std::to_string(response.status);
}

AuditTrail::AuditTrail(std::weak_ptr<AuditLog> log, const BearerAuth& auth, const Router& router,
                       TokenNames names)
    : log_(std::move(log)), auth_(auth), router_(router), names_(std::move(names)) {}

bool AuditTrail::is_audited(std::string_view method, std::string_view path) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return false;
  if (!path.starts_with("/api/")) return false;
  if (is_worker_route(method, path)) return false;
  // The one non-GET a viewer may call: it mints a read-only token.
  return !is_read_only_route(method, path);
}

void AuditTrail::watch(const http::HttpRequest& request, http::Responder& responder) const {
  if (!is_audited(request.method, request.path)) return;
  std::optional<Role> role = auth_.role_of(request);
  if (!role) return;  // 401: nobody to name
  AuditEntry entry;
  entry.role = std::string(role_name(*role));
  entry.token_name = names_.of(*role);
  entry.address = request.peer_ip;
  entry.method = request.method;
  auto route = router_.find(request.method, request.path);
  entry.route = request.method + " " + std::string(route ? route->pattern : std::string_view("unmatched"));
  if (route) entry.target = std::move(route->first_capture);
  responder.on_answer([log = log_, entry = std::move(entry)](const http::HttpResponse& response) mutable {
    auto audit = log.lock();
    if (!audit) return;
    entry.status = response.status;
    entry.outcome = audit_outcome(response);
    if (auto id = answered_id(response)) entry.target = std::move(*id);
    audit->record(std::move(entry));
  });
}

}  // namespace sundial::api
