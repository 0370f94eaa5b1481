// libFuzzer target: JSON at the API's ingress (api::parse_json_text and
// read_json_body). Bad bytes must give a 400 JSON error, never a throw or
// a crash; an accepted document must respect the nesting limit (64 by
// default, docs/http-api.md) and survive what handlers do with it: dump,
// copy, compare, destroy — and the schedule parser (engine/schedules).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/schedules/schedule_spec.h"
#include "server/api/request_helpers.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nlohmann::json;

// The default nesting limit of every JSON ingress (issue 10, defect 1).
constexpr int kDefaultDepthLimit = 64;

// Nesting of containers: a scalar is 0, [] is 1, [[1]] is 2. Iterative, so
// it measures documents the recursive library code could not.
int depth(const json& root) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> todo{{&root, 0}};
  while (!todo.empty()) {
    auto [node, level] = todo.back();
    todo.pop_back();
    if (!node->is_structured()) continue;
    deepest = std::max(deepest, level + 1);
    for (const auto& child : *node) todo.emplace_back(&child, level + 1);
  }
  return deepest;
}

void check_error(const sundial::http::HttpResponse& answer) {
  FUZZ_CHECK(answer.status == 400 || answer.status == 413 || answer.status == 415);
  json body = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object() && body.contains("error"));
  FUZZ_CHECK(body["error"]["code"].is_string() && body["error"]["message"].is_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sundial::api::parse_json_text(text);
  if (!parsed) {
    check_error(parsed.error());
  } else {
    FUZZ_CHECK(depth(*parsed) <= kDefaultDepthLimit);
    std::string dumped = parsed->dump();
    json copy = *parsed;
    FUZZ_CHECK(copy == *parsed);
    FUZZ_CHECK(json::parse(dumped) == *parsed);
    // The schedule parser, the strictest reader of an API object: any
    // document is a schedule or an invalid_argument, and an accepted one
    // reads back to the same canonical form.
    auto schedule = sundial::parse_schedule_spec(*parsed);
    if (schedule) {
      json canonical = sundial::schedule_spec_json(*schedule);
      auto again = sundial::parse_schedule_spec(canonical);
      FUZZ_CHECK(again && sundial::schedule_spec_json(*again) == canonical);
    } else {
      FUZZ_CHECK(schedule.error().code == sundial::ErrorCode::kInvalidArgument);
    }
  }

  // The body route: Content-Type checked first, then the same parser.
  sundial::http::HttpRequest request;
  request.method = "POST";
  request.path = "/api/v1/instances";
  request.headers.emplace_back("content-type", "application/json; charset=utf-8");
  request.body.assign(text);
  for (auto rule : {sundial::api::BodyRule::kObjectOrEmpty, sundial::api::BodyRule::kAnyJsonOrEmpty}) {
    auto body = sundial::api::read_json_body(request, rule);
    if (!body) {
      check_error(body.error());
      continue;
    }
    if (rule == sundial::api::BodyRule::kObjectOrEmpty) FUZZ_CHECK(body->is_object());
    FUZZ_CHECK(parsed.has_value() || text.empty());
  }
  return 0;
}
