// workflows: the workflow types sundiald runs — built-in and Lua scripts,
// each script's versions and how many instances hold each — from
// GET /api/v1/workflows (a table, or the JSON as is with -o json).
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

std::string short_version(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>().substr(0, 12) : std::string("-");
}

}  // namespace

int workflows_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", "/api/v1/workflows"));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"TYPE", "KIND", "VERSION", "RUNNING", "OTHER VERSIONS", "FROM"}, {}};
  for (const auto& w : r->value("workflows", nlohmann::json::array())) {
    const nlohmann::json& versions = w.value("versions", nlohmann::json::array());
    size_t running = 0;
    std::string others;
    for (const auto& v : versions) {
      if (v.value("version", nlohmann::json()) == w.value("version", nlohmann::json())) {
        running = v.value("running", size_t{0});
      } else {
        others += (others.empty() ? "" : ", ") + short_version(v.value("version", nlohmann::json())) + " (" +
                  std::to_string(v.value("running", size_t{0})) + " running)";
      }
    }
    std::string kind = w.value("kind", std::string("builtin"));
    t.rows.push_back({w.value("type", std::string()), kind,
                      short_version(w.value("version", nlohmann::json())),
                      kind == "builtin" ? "-" : std::to_string(running), others.empty() ? "-" : others,
                      w.value("origin", std::string("-"))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  return 0;
}

}  // namespace sundial::ctl
