// queues list, pause, resume, set: the task queues' counts and settings
// (docs/http-api.md, "Tasks and queues"). Every sub-verb prints queues in
// one table shape (or the API's JSON as is with -o json).
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

std::string queue_path(const std::string& queue) { return "/api/v1/queues/" + url_encode(queue); }

// Prints the queues of `body` ({"queues":[...]}) or one queue (the answer
// of a command), or the JSON as is.
int print_queues(VerbContext& ctx, const nlohmann::json& body) {
  if (ctx.inv.json_output) {
    ctx.out << body.dump(2) << "\n";
    return 0;
  }
  const nlohmann::json queues =
      body.contains("queues") ? body.value("queues", nlohmann::json::array()) : nlohmann::json::array({body});
  Table t{{"QUEUE", "PAUSED", "MAX IN FLIGHT", "LIMIT", "QUEUED", "PENDING", "RUNNING", "COMPLETED", "FAILED",
           "CANCELLED", "DONE/MIN", "WAITING"},
          {}};
  for (const auto& q : queues) {
    t.rows.push_back({text(q.value("queue", nlohmann::json())), q.value("paused", false) ? "yes" : "no",
                      text(q.value("max_in_flight", nlohmann::json())), text(q.value("limit", nlohmann::json())),
                      text(q.value("queued", 0)), text(q.value("pending", 0)), text(q.value("running", 0)),
                      text(q.value("completed", 0)), text(q.value("failed", 0)), text(q.value("cancelled", 0)),
                      text(q.value("completed_per_minute", 0)), text(q.value("waiting_claims", 0))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if (queues.empty()) ctx.err << "no queues\n";
  return 0;
}

int send(VerbContext& ctx, const std::string& method, const std::string& path, const nlohmann::json& body) {
  auto r = api_result(ctx.api->request(method, path, body.is_null() ? std::string() : body.dump()));
  if (!r) return fail(ctx, r.error());
  return print_queues(ctx, *r);
}

}  // namespace

int queues_list_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", "/api/v1/queues"));
  if (!r) return fail(ctx, r.error());
  return print_queues(ctx, *r);
}

int queues_pause_resume_verb(VerbContext& ctx) {
  return send(ctx, "POST", queue_path(ctx.inv.positionals[0]) + "/" + sub_verb_of(ctx.inv.verb), nullptr);
}

int queues_set_verb(VerbContext& ctx) {
  auto in_flight = ctx.inv.flags.find("--max-in-flight");
  auto limit = ctx.inv.flags.find("--limit");
  if (in_flight == ctx.inv.flags.end() && limit == ctx.inv.flags.end())
    return usage_error(ctx, "queues set needs --max-in-flight N|none or --limit NAME|none");
  nlohmann::json body = nlohmann::json::object();
  if (in_flight != ctx.inv.flags.end()) {
    nlohmann::json max_in_flight = nullptr;
    if (in_flight->second != "none") {
      auto n = parse_count(ctx.inv, "--max-in-flight", 0);
      if (!n) return usage_error(ctx, n.error().message + " (or none for no limit)");
      max_in_flight = *n;
    }
    body["max_in_flight"] = max_in_flight;
  }
  if (limit != ctx.inv.flags.end()) {
    body["limit"] = limit->second == "none" ? nlohmann::json(nullptr) : nlohmann::json(limit->second);
  }
  return send(ctx, "PUT", queue_path(ctx.inv.positionals[0]), body);
}

}  // namespace sundial::ctl
