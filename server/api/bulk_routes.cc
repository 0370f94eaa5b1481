// POST /api/v1/instances:pause, :resume, :cancel and :retry — a steering
// command for every instance matching a filter (bulk_run.h):
//   {"filter": {"type"?, "status"?, "id_prefix"?}, "dry_run"?, "policy"? (resume, retry), "reason"? (cancel)}
// answers 200 {"matched", "changed", "refused", "dry_run", "errors": [{"instance_id", "error"}]}
// once every change is durable. "filter" is required ({} matches every
// instance the verb applies to) and unknown fields are refused, so a typo
// never widens what a bulk command touches.
#include "engine/base/json_fields.h"
#include "server/api/admin_api.h"
#include "server/api/bulk_run.h"
#include "server/api/request_helpers.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

std::expected<BulkFilter, http::HttpResponse> read_filter(const nlohmann::json& body) {
  if (!body.contains("filter") || !body["filter"].is_object()) {
    return std::unexpected(bad_argument(
        "'filter' (an object with type, status and/or id_prefix) is required; {} matches every instance"));
  }
  const nlohmann::json& f = body.at("filter");
  if (auto known = check_known_fields(f, "filter: ", {"type", "status", "id_prefix"}); !known)
    return std::unexpected(http::error_response(known.error()));
  BulkFilter filter;
  auto type = optional_string_field(f, "type");
  if (!type) return std::unexpected(std::move(type.error()));
  filter.type = *type;
  auto prefix = optional_string_field(f, "id_prefix");
  if (!prefix) return std::unexpected(std::move(prefix.error()));
  filter.id_prefix = prefix->value_or("");
  if (filter.id_prefix.size() > 200) {
    return std::unexpected(bad_argument("id_prefix must be at most 200 bytes (an instance id's length)"));
  }
  auto status = optional_string_field(f, "status");
  if (!status) return std::unexpected(std::move(status.error()));
  if (*status) {
    filter.status = parse_status(**status);
    if (!filter.status) return std::unexpected(bad_argument("unknown status '" + **status + "'"));
  }
  return filter;
}

std::expected<BulkRequest, http::HttpResponse> read_request(BulkVerb verb, const nlohmann::json& body) {
  if (auto known = check_known_fields(body, "", {"filter", "dry_run", "policy", "reason"}); !known)
    return std::unexpected(http::error_response(known.error()));
  bool takes_policy = verb == BulkVerb::kResume || verb == BulkVerb::kRetry;
  if (body.contains("policy") && !takes_policy)
    return std::unexpected(bad_argument("'policy' is for resume and retry only"));
  if (body.contains("reason") && verb != BulkVerb::kCancel)
    return std::unexpected(bad_argument("'reason' is for cancel only"));
  BulkRequest request;
  request.verb = verb;
  auto filter = read_filter(body);
  if (!filter) return std::unexpected(std::move(filter.error()));
  request.filter = std::move(*filter);
  if (body.contains("dry_run")) {
    if (!body.at("dry_run").is_boolean()) return std::unexpected(bad_argument("'dry_run' must be true or false"));
    request.dry_run = body.at("dry_run").get<bool>();
  }
  auto policy = optional_string_field(body, "policy");
  if (!policy) return std::unexpected(std::move(policy.error()));
  if (*policy) {
    auto parsed = parse_resume_policy(**policy);
    if (!parsed) return std::unexpected(bad_argument("'policy' must be \"shift\" or \"fire\""));
    request.policy = *parsed;
  }
  auto reason = optional_string_field(body, "reason");
  if (!reason) return std::unexpected(std::move(reason.error()));
  request.reason = reason->value_or("");
  return request;
}

nlohmann::json outcome_to_json(const BulkOutcome& outcome, bool dry_run) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& [id, error] : outcome.errors) {
    errors.push_back({{"instance_id", id},
                      {"error", {{"code", error_code_name(error.code)}, {"message", error.message}}}});
  }
  return {{"matched", outcome.matched},
          {"changed", outcome.changed},
          {"refused", outcome.refused},
          {"dry_run", dry_run},
          {"errors", std::move(errors)}};
}

void bulk(const AdminApi& api, BulkVerb verb, const http::HttpRequest& http_request, http::Responder responder) {
  auto body = read_json_body(http_request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  auto request = read_request(verb, *body);
  if (!request) return responder.send(std::move(request.error()));
  bool dry_run = request->dry_run;
  run_bulk(api.engine, std::move(*request),
           [responder = std::move(responder), dry_run](Result<BulkOutcome> outcome) mutable {
             if (!outcome) return responder.send(http::error_response(outcome.error()));
             responder.send(http::HttpResponse::json(200, outcome_to_json(*outcome, dry_run)));
           });
}

}  // namespace

void add_bulk_routes(Router& router, const AdminApi& api) {
  for (BulkVerb verb : {BulkVerb::kPause, BulkVerb::kResume, BulkVerb::kCancel, BulkVerb::kRetry}) {
    router.add("POST", "/api/v1/instances:" + std::string(bulk_verb_name(verb)),
               [api, verb](http::HttpRequest&& req, const PathParams&, http::Responder r) {
                 bulk(api, verb, req, std::move(r));
               });
  }
}

}  // namespace sundial::api
