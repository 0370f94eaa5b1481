// Erasure of a person's data (docs/operations.md, "Erasure"):
//   POST /api/v1/erasure {"attr": {"email": "ada@example.com"}, "dry_run"?: bool}
//     200 {"dry_run", "instances": [{"id", "type", "status"}], "cancelled",
//          "erased", "skipped": [{"id", "reason"}], "more"}
// Exactly one attribute. A dry run changes nothing. Otherwise the running
// instances are cancelled, then every matching instance is deleted with
// its journal, timers, idempotency keys, outbox, links and retained events
// (engine/erasure/erasure_service.h); "more" says to repeat the request.
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/http/error_response.h"

namespace sundial::api {

namespace {

nlohmann::json report_to_json(const ErasureReport& report) {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& i : report.instances) {
    instances.push_back({{"id", i.id}, {"type", i.type}, {"status", std::string(status_name(i.status))}});
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& [id, reason] : report.skipped) skipped.push_back({{"id", id}, {"reason", reason}});
  return {{"dry_run", report.dry_run}, {"instances", instances}, {"cancelled", report.cancelled},
          {"erased", report.erased},   {"skipped", skipped},     {"more", report.more}};
}

std::expected<ErasureRequest, http::HttpResponse> read_request(const AdminApi& api, const http::HttpRequest& request) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return std::unexpected(std::move(body.error()));
  ErasureRequest out;
  for (const auto& [key, value] : body->items()) {
    if (key != "attr" && key != "dry_run") {
      return std::unexpected(bad_argument("unknown field '" + key + "'; an erasure takes 'attr' and 'dry_run'"));
    }
  }
  auto attr = body->find("attr");
  if (attr == body->end() || !attr->is_object() || attr->size() != 1 || !attr->begin()->is_string()) {
    return std::unexpected(bad_argument(
        "'attr' must name one search attribute and its value, e.g. {\"attr\": {\"email\": \"ada@example.com\"}}"));
  }
  out.attr.name = attr->begin().key();
  out.attr.value = attr->begin()->get<std::string>();
  if (auto valid = validate_search_attribute_name(out.attr.name); !valid) {
    return std::unexpected(bad_argument(valid.error().message));
  }
  if (out.attr.value.empty() || out.attr.value.size() > kMaxSearchAttributeValueBytes) {
    return std::unexpected(bad_argument("the attribute's value must be 1 to " +
                                        std::to_string(kMaxSearchAttributeValueBytes) + " bytes"));
  }
  if (auto dry = body->find("dry_run"); dry != body->end()) {
    if (!dry->is_boolean()) return std::unexpected(bad_argument("'dry_run' must be true or false"));
    out.dry_run = dry->get<bool>();
  }
  return out;
}

}  // namespace

void add_erasure_routes(Router& router, const AdminApi& api) {
  router.add("POST", "/api/v1/erasure", [api](http::HttpRequest&& request, const PathParams&, http::Responder r) {
    auto erasure = read_request(api, request);
    if (!erasure) return r.send(std::move(erasure.error()));
    api.engine.erase(std::move(*erasure), [r = std::move(r)](Result<ErasureReport> report) mutable {
      answer(r, report, 200, report_to_json);
    });
  });
}

}  // namespace sundial::api
