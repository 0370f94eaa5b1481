// schedules list, show, runs, pause, resume, trigger (docs/schedules.md,
// docs/cli.md): read and steer schedules through the API. Tables by
// default, the API's JSON as is with -o json.
#include "engine/base/duration.h"
#include "tools/common/time_format.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

using nlohmann::json;

std::string schedule_path(const std::string& id) { return "/api/v1/schedules/" + url_encode(id); }

// "cron 0 3 * * * Europe/Paris" or "every 15m".
std::string timing(const json& s) {
  if (s.contains("cron")) return "cron " + text(s["cron"]) + " " + text(s.value("timezone", json("UTC")));
  return "every " + text(s.value("every", json()));
}

std::string action_of(const json& s) {
  const json& a = s.value("action", json::object());
  if (a.contains("start")) return "start " + text(a["start"].value("type", json()));
  if (a.contains("task")) return "task " + text(a["task"].value("queue", json()));
  if (a.contains("signal"))
    return "signal " + text(a["signal"].value("id", json())) + " " + text(a["signal"].value("name", json()));
  return "-";
}

std::string next_of(const json& s, TimeMs now) {
  const json& next = s.value("next", json::array());
  return next.empty() ? "-" : when(next[0], now);
}

std::string next_exactly(const json& s, TimeMs now) {
  const json& next = s.value("next", json::array());
  return next.empty() ? "-" : when_exactly(next[0], now);
}

int print_schedules(VerbContext& ctx, const json& schedules) {
  Table t{{"SCHEDULE", "WHEN", "ACTION", "STATE", "SOURCE", "NEXT", "FIRES", "MISFIRES"}, {}};
  if (ctx.wide()) {
    // Also the policies and the target of the last fire.
    t.headers.insert(t.headers.end(), {"MISFIRE", "OVERLAP", "JITTER", "LAST TARGET"});
    t.whole_columns = {0, 11};
  }
  for (const auto& s : schedules) {
    std::vector<std::string> row = {text(s.value("id", json())),
                                    timing(s),
                                    action_of(s),
                                    s.value("paused", false) ? "paused" : "active",
                                    text(s.value("source", json())),
                                    ctx.wide() ? next_exactly(s, ctx.now) : next_of(s, ctx.now),
                                    text(s.value("fires", 0)),
                                    text(s.value("misfires", 0))};
    if (ctx.wide()) {
      row.insert(row.end(), {text(s.value("misfire", json())), text(s.value("overlap", json())),
                             text(s.value("jitter", json())), text(s.value("last_target", json()))});
    }
    t.rows.push_back(std::move(row));
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if (schedules.empty()) ctx.err << "no schedules\n";
  return 0;
}

int print_schedule(VerbContext& ctx, const json& s) {
  if (ctx.inv.json_output) {
    ctx.out << s.dump(2) << "\n";
    return 0;
  }
  ctx.out << "schedule:  " << text(s.value("id", json())) << "\n"
          << "when:      " << timing(s) << "\n"
          << "action:    " << action_of(s) << "\n"
          << "state:     " << (s.value("paused", false) ? "paused" : "active") << " (source "
          << text(s.value("source", json())) << ")\n"
          << "misfire:   " << text(s.value("misfire", json())) << " (grace "
          << text(s.value("misfire_grace", json())) << ")\n"
          << "overlap:   " << text(s.value("overlap", json())) << "\n"
          << "jitter:    " << text(s.value("jitter", json())) << "\n"
          << "fires:     " << text(s.value("fires", 0)) << ", misfires " << text(s.value("misfires", 0))
          << "\n"
          << "last run:  " << text(s.value("last_target", json())) << "\n";
  const json& next = s.value("next", json::array());
  ctx.out << "next:      ";
  if (next.empty()) ctx.out << "-";
  for (size_t i = 0; i < next.size(); ++i)
    ctx.out << (i ? "\n           " : "") << when_exactly(next[i], ctx.now);
  ctx.out << "\n";
  return 0;
}

}  // namespace

int schedules_list_verb(VerbContext& ctx) {
  json all = json::array();
  std::string cursor;
  do {
    std::string path = "/api/v1/schedules?limit=1000";
    if (!cursor.empty()) path += "&cursor=" + url_encode(cursor);
    auto r = api_result(ctx.api->request("GET", path));
    if (!r) return fail(ctx, r.error());
    for (auto& s : (*r)["schedules"]) all.push_back(std::move(s));
    cursor = (*r)["next_cursor"].is_string() ? (*r)["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  if (ctx.inv.json_output) {
    ctx.out << json{{"schedules", all}}.dump(2) << "\n";
    return 0;
  }
  return print_schedules(ctx, all);
}

int schedules_show_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", schedule_path(ctx.inv.positionals[0])));
  if (!r) return fail(ctx, r.error());
  return print_schedule(ctx, *r);
}

int schedules_pause_resume_verb(VerbContext& ctx) {
  auto r = api_result(
      ctx.api->request("POST", schedule_path(ctx.inv.positionals[0]) + "/" + sub_verb_of(ctx.inv.verb)));
  if (!r) return fail(ctx, r.error());
  return print_schedule(ctx, *r);
}

int schedules_trigger_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("POST", schedule_path(ctx.inv.positionals[0]) + "/trigger"));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  ctx.out << "fired " << text((*r)["target_id"]) << ": " << text((*r)["outcome"]);
  if (r->contains("error")) ctx.out << " (" << text((*r)["error"]) << ")";
  ctx.out << "\n";
  return 0;
}

int schedules_runs_verb(VerbContext& ctx) {
  std::string path = schedule_path(ctx.inv.positionals[0]) + "/runs";
  if (auto limit = ctx.inv.flags.find("--limit"); limit != ctx.inv.flags.end()) {
    path += "?limit=" + url_encode(limit->second);
  }
  auto r = api_result(ctx.api->request("GET", path));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"NOMINAL", "FIRED", "TRIGGER", "TARGET", "OUTCOME", "DURATION"}, {}, {3}};  // whole target ids
  for (const auto& run : (*r)["runs"]) {
    std::string outcome = text(run.value("outcome", json()));
    if (run.contains("error")) outcome += ": " + text(run["error"]);
    const json& d = run.value("duration_ms", json());
    t.rows.push_back({format_utc(run.value("nominal_time", TimeMs{0})),
                      ctx.wide() ? when_exactly(run.value("started_at", json()), ctx.now)
                                 : when(run.value("started_at", json()), ctx.now),
                      text(run.value("trigger", json())), text(run.value("target_id", json())), outcome,
                      d.is_number_integer() ? format_duration(d.get<int64_t>()) : "-"});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if ((*r)["runs"].empty()) ctx.err << "no runs yet\n";
  return 0;
}

}  // namespace sundial::ctl
