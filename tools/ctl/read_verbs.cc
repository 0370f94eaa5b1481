// list, show, history, stats: read from the InstanceSource and print a
// table (-o wide: more columns), or the JSON as is with -o json. timers is
// timer_verbs.cc's.
#include <cctype>
#include <charconv>

#include "engine/base/duration.h"
#include "tools/common/time_format.h"
#include "tools/ctl/instance_timer.h"
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

std::string when(const nlohmann::json& ms, TimeMs now) {
  return ms.is_number_integer() ? format_relative(ms.get<TimeMs>(), now) : "-";
}

std::string when_exactly(const nlohmann::json& ms, TimeMs now) {
  return ms.is_number_integer()
             ? format_utc(ms.get<TimeMs>()) + " (" + format_relative(ms.get<TimeMs>(), now) + ")"
             : std::string("-");
}

std::string text(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

namespace {

void print(VerbContext& ctx, const Table& table) { ctx.out << table.render(ctx.width, ctx.colour); }

// "go, stop" for the signals an instance waits for; "-" when none.
std::string signals_cell(const nlohmann::json& instance) {
  const nlohmann::json& signals = instance.value("waiting_for_signals", nlohmann::json::array());
  if (!signals.is_array() || signals.empty()) return "-";
  return comma_list(signals);
}

// What a history entry names: its step, signal, timer, policy, key, ...
std::string entry_name(const nlohmann::json& e) {
  for (const char* key : {"step", "signal", "timer", "policy", "change_id", "key", "from"}) {
    if (e.contains(key)) return text(e[key]);
  }
  return "-";
}

// A history entry's data, result or schedule shift, for -o wide.
std::string entry_data(const nlohmann::json& e) {
  if (e.contains("result")) return e["result"].dump();
  if (e.contains("data")) return e["data"].dump();
  if (e.contains("shift_ms")) return "shift " + text(e["shift_ms"]) + "ms";
  return "-";
}

}  // namespace

Result<size_t> parse_count(const Invocation& inv, const std::string& flag, size_t fallback, size_t min) {
  auto it = inv.flags.find(flag);
  if (it == inv.flags.end()) return fallback;
  size_t v = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || v < min) {
    return make_error(
        ErrorCode::kInvalidArgument,
        flag + " takes a " + (min > 0 ? "positive" : "non-negative") + " number, not '" + it->second + "'");
  }
  return v;
}

int fail(VerbContext& ctx, const Error& error) {
  ctx.err << "sundialctl: " << error.message << "\n";
  return error.code == ErrorCode::kNotFound ? 3 : 1;
}

int usage_error(VerbContext& ctx, const std::string& message) {
  ctx.err << "sundialctl: " << message << "\n";
  return 2;
}

int list_verb(VerbContext& ctx) {
  ListQuery q;
  if (auto s = ctx.inv.flags.find("--status"); s != ctx.inv.flags.end()) {
    q.status = parse_status(s->second);
    if (!q.status) {
      return usage_error(ctx, "unknown status '" + s->second +
                                  "'; one of queued, running, waiting, paused, completed, failed, cancelled");
    }
  }
  if (auto t = ctx.inv.flags.find("--type"); t != ctx.inv.flags.end()) q.type = t->second;
  if (auto p = ctx.inv.flags.find("--id-prefix"); p != ctx.inv.flags.end()) q.id_prefix = p->second;
  if (auto a = ctx.inv.flags.find("--attr"); a != ctx.inv.flags.end()) {
    size_t eq = a->second.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a->second.size()) {
      return usage_error(ctx, "--attr takes NAME=VALUE, e.g. --attr email=ada@example.com");
    }
    q.attr = SearchAttribute{a->second.substr(0, eq), a->second.substr(eq + 1)};
    if (auto valid = validate_search_attribute_name(q.attr->name); !valid) {
      return usage_error(ctx, "--attr: " + valid.error().message);
    }
  }
  auto limit = parse_count(ctx.inv, "--limit", 100);
  if (!limit) return usage_error(ctx, limit.error().message);
  nlohmann::json all = nlohmann::json::array();
  bool more = false;             // stopped at --limit with pages left
  while (all.size() < *limit) {  // follows the pages
    q.limit = std::min(*limit - all.size(), kMaxListLimit);
    auto page = ctx.source.list(q);
    if (!page) return fail(ctx, page.error());
    for (auto& i : (*page)["instances"]) all.push_back(i);
    more = !(*page)["next_cursor"].is_null();
    if (!more) break;
    q.cursor = (*page)["next_cursor"].get<std::string>();
  }
  if (ctx.inv.json_output) {
    ctx.out << nlohmann::json{{"instances", all}}.dump(2) << "\n";
    return 0;
  }
  Table t{{"ID", "TYPE", "STATUS", "STEP", "NEXT TIMER", "CREATED", "LAST ERROR"}, {}};
  if (ctx.wide()) {
    t.headers = {"ID",          "TYPE",       "VERSION", "RUN",     "STATUS",   "STEP",   "ATTEMPTS",
                 "WAITING FOR", "NEXT TIMER", "CREATED", "UPDATED", "FINISHED", "PARENT", "LAST ERROR"};
  }
  for (auto& i : all) {
    if (!ctx.wide()) {
      t.rows.push_back({text(i["id"]), text(i["type"]), text(i["status"]), text(i["current_step"]),
                        when(i["next_timer"], ctx.now), when(i["created_at"], ctx.now),
                        text(i["last_error"])});
      continue;
    }
    const nlohmann::json& parent = i.value("parent", nlohmann::json());
    t.rows.push_back(
        {text(i["id"]), text(i["type"]), text(i.value("version", nlohmann::json())),
         text(i.value("run", nlohmann::json(1))), text(i["status"]), text(i["current_step"]),
         text(i.value("attempts", nlohmann::json())), signals_cell(i), when_exactly(i["next_timer"], ctx.now),
         when_exactly(i["created_at"], ctx.now), when(i.value("updated_at", nlohmann::json()), ctx.now),
         when(i.value("finished_at", nlohmann::json()), ctx.now),
         parent.is_object() ? text(parent.value("id", nlohmann::json())) : "-", text(i["last_error"])});
  }
  if (ctx.wide()) t.whole_columns = {0, 2, 12};  // the id, the version and the parent's id
  print(ctx, t);
  if (all.empty()) ctx.err << "no instances\n";
  if (more) ctx.err << "showing the first " << count_of(all.size(), "instance") << "; --limit N shows more\n";
  return 0;
}

// --run N: which run of an id that ran again; none for the latest.
Result<std::optional<uint32_t>> run_flag(const Invocation& inv) {
  if (!inv.flags.contains("--run")) return std::optional<uint32_t>();
  SUNDIAL_ASSIGN_OR_RETURN(size_t run, parse_count(inv, "--run", 1, 1));
  if (run > UINT32_MAX)
    return make_error(ErrorCode::kInvalidArgument, "--run is at most " + std::to_string(UINT32_MAX));
  return std::optional<uint32_t>(static_cast<uint32_t>(run));
}

int show_verb(VerbContext& ctx) {
  auto run = run_flag(ctx.inv);
  if (!run) return usage_error(ctx, run.error().message);
  auto r = ctx.source.show(ctx.inv.positionals[0], *run);
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  const auto& i = *r;
  auto both = [&](const nlohmann::json& ms) { return when_exactly(ms, ctx.now); };
  Table t{{"FIELD", "VALUE"}, {}, {0}, {{0, 1}}};  // the id is never cut
  t.rows = {{"id", text(i["id"])},
            {"type", text(i["type"])},
            {"version", text(i.value("version", nlohmann::json()))},
            {"status", text(i["status"])},
            {"run", text(i.value("run", nlohmann::json(1)))},
            {"input", i["input"].dump()},
            {"current step", text(i["current_step"])},
            {"waiting for", i["waiting_for_signals"].empty() ? "-" : i["waiting_for_signals"].dump()},
            {"next timer", both(i["next_timer"])},
            {"attempts", text(i["attempts"])},
            {"last error", text(i["last_error"])},
            {"result", text(i.value("result", nlohmann::json()))},
            {"created", both(i["created_at"])},
            {"updated", both(i["updated_at"])},
            {"finished", both(i["finished_at"])}};
  if (i.contains("paused_at")) t.rows.push_back({"paused", both(i["paused_at"])});
  if (i.contains("cancel_reason")) t.rows.push_back({"cancel reason", text(i["cancel_reason"])});
  if (i.contains("parent") && i["parent"].is_object()) {
    t.whole_cells.push_back({t.rows.size(), 1});
    t.rows.push_back(
        {"parent", text(i["parent"]["id"]) + (i["parent"].value("detached", false) ? " (detached)" : "")});
  }
  if (i.contains("children") && i["children"].is_array()) {
    std::string children;
    for (const auto& c : i["children"]) children += (children.empty() ? "" : ", ") + text(c);
    t.rows.push_back({"children", children});
  }
  if (i.contains("concurrency") && i["concurrency"].is_object()) {
    const auto& c = i["concurrency"];
    std::string place = c.contains("position") ? ", position " + text(c["position"]) + " in its queue" : "";
    t.rows.push_back({"concurrency", "key " + text(c["key"]) + ", limit " + text(c["limit"]) + ", " +
                                         text(c["on_busy"]) + " when busy" + place});
  }
  print(ctx, t);
  return 0;
}

int history_verb(VerbContext& ctx) {
  auto run = run_flag(ctx.inv);
  if (!run) return usage_error(ctx, run.error().message);
  auto r = ctx.source.history(ctx.inv.positionals[0], *run);
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  // DUE: when a timer entry's sleep or timeout ends, a failed attempt's
  // retry runs, a debounced start arrives; blank for the other entries.
  Table t{{"SEQ", "TIME", "EVENT", "STEP", "ATTEMPT", "DUE", "ERROR"}, {}};
  if (ctx.wide()) t.headers.push_back("DATA");
  for (auto& e : (*r)["entries"]) {
    std::string error = e.contains("error")    ? text(e["error"])
                        : e.contains("reason") ? text(e["reason"])
                                               : "-";
    std::vector<std::string> row = {text(e["seq"]),
                                    ctx.wide() ? when_exactly(e["at"], ctx.now) : when(e["at"], ctx.now),
                                    text(e["event"]),
                                    entry_name(e),
                                    e.contains("attempt") ? text(e["attempt"]) : "-",
                                    e.contains("due") ? when_exactly(e["due"], ctx.now) : "",
                                    error};
    if (ctx.wide()) row.push_back(entry_data(e));
    t.rows.push_back(std::move(row));
  }
  print(ctx, t);
  if ((*r)["entries"].empty()) ctx.err << "no entries\n";
  return 0;
}

int stats_verb(VerbContext& ctx) {
  auto r = ctx.source.stats();
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"STATUS", "INSTANCES"}, {}};
  for (auto& [status, count] : (*r)["instances"].items()) t.rows.push_back({status, text(count)});
  print(ctx, t);
  const nlohmann::json& by_type = r->value("by_type", nlohmann::json::object());
  if (ctx.wide() && by_type.is_object() && !by_type.empty()) {
    // One column per status, in the first table's order.
    Table types{{"TYPE"}, {}};
    for (auto& [status, count] : (*r)["instances"].items()) types.headers.push_back(status);
    for (auto& [type, counts] : by_type.items()) {
      std::vector<std::string> row = {type};
      for (size_t c = 1; c < types.headers.size(); ++c)
        row.push_back(text(counts.value(types.headers[c], 0)));
      types.rows.push_back(std::move(row));
    }
    for (size_t c = 1; c < types.headers.size(); ++c) {
      std::string& h = types.headers[c];
      for (auto& ch : h) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    ctx.out << "\n";
    print(ctx, types);
  }
  ctx.out << "\npending timers: " << text((*r)["pending_timers"]) << "\nnext due: "
          << ((*r)["next_due_at"].is_null() ? "-"
                                            : format_relative((*r)["next_due_at"].get<TimeMs>(), ctx.now) +
                                                  " (" + format_utc((*r)["next_due_at"].get<TimeMs>()) + ")")
          << "\n";
  return 0;
}

}  // namespace sundial::ctl
