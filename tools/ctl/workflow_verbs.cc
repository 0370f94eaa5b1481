// workflows: the workflow types sundiald runs — built-in and Lua scripts,
// each script's versions and how many instances hold each — from
// GET /api/v1/workflows (a table, or the JSON as is with -o json).
// upgrade: moves a script type's instances from one version to the
// current one (POST /api/v1/workflows/{type}/upgrade).
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

// The first 12 hex digits: a prefix `upgrade --from` takes.
std::string short_version(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>().substr(0, 12) : std::string("-");
}

// -o wide: the whole version.
std::string version_cell(const VerbContext& ctx, const nlohmann::json& v) {
  return ctx.wide() ? text(v) : short_version(v);
}

}  // namespace

int workflows_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", "/api/v1/workflows"));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"TYPE", "KIND", "VERSION", "RUNNING", "OTHER VERSIONS", "FROM"}, {}, {0, 2}};
  for (const auto& w : r->value("workflows", nlohmann::json::array())) {
    const nlohmann::json& versions = w.value("versions", nlohmann::json::array());
    size_t running = 0;
    std::string others;
    for (const auto& v : versions) {
      if (v.value("version", nlohmann::json()) == w.value("version", nlohmann::json())) {
        running = v.value("running", size_t{0});
      } else {
        others += (others.empty() ? "" : ", ") + version_cell(ctx, v.value("version", nlohmann::json())) +
                  " (" + std::to_string(v.value("running", size_t{0})) + " running)";
      }
    }
    std::string kind = w.value("kind", std::string("builtin"));
    t.rows.push_back({w.value("type", std::string()), kind,
                      version_cell(ctx, w.value("version", nlohmann::json())),
                      kind == "builtin" ? "-" : std::to_string(running), others.empty() ? "-" : others,
                      w.value("origin", std::string("-"))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  return 0;
}

namespace {

// The full version of `type` that `prefix` names: itself when it is one,
// else the one version it starts.
Result<std::string> resolve_version(VerbContext& ctx, const std::string& type, const std::string& prefix) {
  auto r = api_result(ctx.api->request("GET", "/api/v1/workflows"));
  if (!r) return std::unexpected(r.error());
  std::vector<std::string> matches;
  for (const auto& w : r->value("workflows", nlohmann::json::array())) {
    if (w.value("type", std::string()) != type) continue;
    for (const auto& v : w.value("versions", nlohmann::json::array())) {
      std::string version = v.value("version", std::string());
      if (version == prefix) return version;
      if (!prefix.empty() && version.starts_with(prefix)) matches.push_back(version);
    }
    if (matches.size() == 1) return matches[0];
    return make_error(ErrorCode::kInvalidArgument, matches.empty()
                                                       ? "workflow '" + type + "' has no version " + prefix
                                                       : "version prefix " + prefix + " names " +
                                                             std::to_string(matches.size()) +
                                                             " versions of '" + type + "'; give more of it");
  }
  return make_error(ErrorCode::kNotFound, "no workflow type '" + type + "'");
}

}  // namespace

int upgrade_verb(VerbContext& ctx) {
  const std::string& type = ctx.inv.positionals[0];
  auto from_flag = ctx.inv.flags.find("--from");
  if (from_flag == ctx.inv.flags.end()) return usage_error(ctx, "upgrade needs --from VERSION");
  auto from = resolve_version(ctx, type, from_flag->second);
  if (!from) return fail(ctx, from.error());
  nlohmann::json body = {{"from", *from}};
  auto r =
      api_result(ctx.api->request("POST", "/api/v1/workflows/" + url_encode(type) + "/upgrade", body.dump()));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  ctx.out << "upgraded " << count_of(r->value("upgraded", size_t{0}), "instance") << " of " << type
          << " from " << short_version(r->value("from", nlohmann::json())) << " to "
          << short_version(r->value("to", nlohmann::json())) << "; " << r->value("not_upgraded", 0)
          << " left on " << short_version(r->value("from", nlohmann::json())) << "\n";
  const nlohmann::json& failures = r->value("failures", nlohmann::json::array());
  if (!failures.empty()) {
    Table t{{"INSTANCE", "WHY NOT"}, {}};
    for (const auto& f : failures) {
      t.rows.push_back({f.value("instance_id", std::string()), f.value("error", std::string())});
    }
    ctx.out << t.render(ctx.width, ctx.colour);
  }
  return 0;
}

}  // namespace sundial::ctl
