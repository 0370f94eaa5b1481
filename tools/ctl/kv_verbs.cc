// kv list NAMESPACE and kv get NAMESPACE KEY: the durable key-value
// facility workflows keep maps in (docs/kv.md; GET /api/v1/kv/...). list
// follows every page and prints key, version, state, conflicts, updated
// and the value; get prints one entry with its history. -o json prints
// the API's JSON.
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

using nlohmann::json;

std::string kv_path(const std::string& ns) { return "/api/v1/kv/" + url_encode(ns); }

std::string state_of(const json& e) {
  if (e.value("deleted", false)) return "deleted";
  return e.value("conflicts", 0) > 0 ? "conflicted" : "live";
}

}  // namespace

int kv_list_verb(VerbContext& ctx) {
  const std::string& ns = ctx.inv.positionals[0];
  std::string query = "?limit=1000";
  if (auto p = ctx.inv.flags.find("--prefix"); p != ctx.inv.flags.end())
    query += "&prefix=" + url_encode(p->second);
  if (ctx.inv.flags.count("--deleted")) query += "&deleted=include";
  if (ctx.inv.flags.count("--conflicted")) query += "&conflicted=true";
  json all = json::array();
  std::string cursor;
  do {
    std::string path = kv_path(ns) + query;
    if (!cursor.empty()) path += "&cursor=" + url_encode(cursor);
    auto r = api_result(ctx.api->request("GET", path));
    if (!r) return fail(ctx, r.error());
    for (auto& e : (*r)["entries"]) all.push_back(std::move(e));
    cursor = (*r)["next_cursor"].is_string() ? (*r)["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  if (ctx.inv.json_output) {
    ctx.out << json{{"namespace", ns}, {"entries", all}}.dump(2) << "\n";
    return 0;
  }
  Table t{{"KEY", "VERSION", "STATE", "CONFLICTS", "UPDATED", "VALUE"}, {}};
  if (ctx.wide()) t.headers = {"KEY", "VERSION", "STATE", "CONFLICTS", "CREATED", "UPDATED", "VALUE"};
  for (const auto& e : all) {
    std::vector<std::string> row = {text(e.value("key", json())), text(e.value("version", 0)), state_of(e),
                                    text(e.value("conflicts", 0))};
    if (ctx.wide()) {
      row.push_back(when_exactly(e.value("created_at", json()), ctx.now));
      row.push_back(when_exactly(e.value("updated_at", json()), ctx.now));
    } else {
      row.push_back(when(e.value("updated_at", json()), ctx.now));
    }
    row.push_back(e.value("value", json()).dump());
    t.rows.push_back(std::move(row));
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if (all.empty()) ctx.err << "no entries in namespace " << ns << "\n";
  return 0;
}

int kv_get_verb(VerbContext& ctx) {
  const std::string& ns = ctx.inv.positionals[0];
  const std::string& key = ctx.inv.positionals[1];
  auto r = api_result(ctx.api->request("GET", kv_path(ns) + "/" + url_encode(key)));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  const json& e = *r;
  ctx.out << "namespace: " << ns << "\n"
          << "key:       " << text(e.value("key", json())) << "\n"
          << "version:   " << text(e.value("version", 0)) << " (" << state_of(e) << ")\n"
          << "created:   " << when_exactly(e.value("created_at", json()), ctx.now) << "\n"
          << "updated:   " << when_exactly(e.value("updated_at", json()), ctx.now) << "\n"
          << "conflicts: " << text(e.value("conflicts", 0)) << "\n";
  if (const json& c = e.value("last_conflict", json()); c.is_object()) {
    ctx.out << "last conflict: " << when_exactly(c.value("at", json()), ctx.now) << " by "
            << text(c.value("by", json())) << ": expected version " << text(c.value("expected", json()))
            << ", found " << text(c.value("found", json())) << "\n";
  }
  ctx.out << "value:     " << e.value("value", json()).dump(2) << "\n";
  Table t{{"VERSION", "OP", "AT", "BY"}, {}};
  for (const auto& h : e.value("history", json::array())) {
    t.rows.push_back({text(h.value("version", 0)), text(h.value("op", json())),
                      when_exactly(h.value("at", json()), ctx.now), text(h.value("by", json()))});
  }
  ctx.out << "history:\n" << t.render(ctx.width, ctx.colour);
  return 0;
}

}  // namespace sundial::ctl
