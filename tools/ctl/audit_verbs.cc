// audit [--limit N] [--target ID] [--route ROUTE] (docs/cli.md): the audit
// log of changing admin calls, newest first (GET /api/v1/audit). A table
// by default, the API's JSON as is with -o json.
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

int audit_verb(VerbContext& ctx) {
  auto limit = parse_count(ctx.inv, "--limit", 50);
  if (!limit) return usage_error(ctx, limit.error().message);
  if (*limit > 1000) return usage_error(ctx, "--limit must be at most 1000");
  std::string path = "/api/v1/audit?limit=" + std::to_string(*limit);
  for (const auto& [flag, param] : {std::pair{"--target", "target"}, std::pair{"--route", "route"}}) {
    if (auto it = ctx.inv.flags.find(flag); it != ctx.inv.flags.end()) {
      path += std::string("&") + param + "=" + url_encode(it->second);
    }
  }
  auto r = api_result(ctx.api->request("GET", path));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"AT", "WHO", "ADDRESS", "ROUTE", "TARGET", "STATUS", "OUTCOME"}, {}, {4}};  // whole target ids
  for (const auto& e : (*r)["entries"]) {
    t.rows.push_back({text(e.value("at", nlohmann::json())),
                      text(e.value("token_name", nlohmann::json())) + " (" + text(e.value("role", nlohmann::json())) + ")",
                      text(e.value("address", nlohmann::json())), text(e.value("route", nlohmann::json())),
                      text(e.value("target", nlohmann::json())), text(e.value("status", nlohmann::json())),
                      text(e.value("outcome", nlohmann::json()))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if ((*r)["entries"].empty()) ctx.err << "no audit entries\n";
  if (!(*r)["next_cursor"].is_null()) ctx.err << "older entries follow; raise --limit to see more\n";
  return 0;
}

}  // namespace sundial::ctl
