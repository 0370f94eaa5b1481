// timers: pending durable timers, soonest first (GET /api/v1/timers, or the
// data directory); -o wide adds what each instance's timer is for (one
// describe per instance). timers ID: one instance's pending timer, from its
// describe answer (instance_timer.h).
#include "engine/base/duration.h"
#include "tools/common/time_format.h"
#include "tools/ctl/instance_timer.h"
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

int one_instance_timers(VerbContext& ctx, const std::string& id) {
  if (ctx.inv.flags.contains("--due-within") || ctx.inv.flags.contains("--limit"))
    return usage_error(ctx,
                       "timers ID shows the instance's one pending timer; --due-within and --limit "
                       "are for timers without ID");
  auto d = ctx.source.show(id, std::nullopt);
  if (!d) return fail(ctx, d.error());
  if (ctx.inv.json_output) {
    ctx.out << instance_timers_json(*d).dump(2) << "\n";
    return 0;
  }
  auto timer = instance_timer(*d);
  if (!timer) {
    ctx.err << "instance " << id << " (" << text(d->value("status", nlohmann::json()))
            << ") has no pending timer\n";
    return 0;
  }
  Table t{{"KIND", "DUE", "AT (UTC)", "DETAIL"}, {}};
  t.rows.push_back({timer->kind, when(timer->due, ctx.now), format_utc(timer->due), timer->detail});
  ctx.out << t.render(ctx.width, ctx.colour);
  return 0;
}

}  // namespace

int timers_verb(VerbContext& ctx) {
  if (!ctx.inv.positionals.empty()) return one_instance_timers(ctx, ctx.inv.positionals[0]);
  TimeMs due_before = 0;
  if (auto w = ctx.inv.flags.find("--due-within"); w != ctx.inv.flags.end()) {
    auto d = parse_duration(w->second);
    if (!d) {
      return usage_error(ctx, "--due-within takes a duration such as 24h or 1d12h, not '" + w->second + "'");
    }
    due_before = ctx.now + *d;
  }
  auto limit = parse_count(ctx.inv, "--limit", 100);
  if (!limit) return usage_error(ctx, limit.error().message);
  auto r = ctx.source.timers(due_before, std::min<size_t>(*limit, 1000));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  Table t{{"DUE", "AT (UTC)", "FOR"}, {}, {2}};
  if (ctx.wide()) t.headers.insert(t.headers.end(), {"KIND", "DETAIL"});
  for (auto& timer : (*r)["timers"]) {
    std::string owner =
        timer.contains("task_id") ? "task " + text(timer["task_id"]) : text(timer["instance_id"]);
    std::vector<std::string> row = {when(timer["due_at"], ctx.now), format_utc(timer["due_at"].get<TimeMs>()),
                                    owner};
    if (ctx.wide() && timer.contains("task_id")) {
      row.insert(row.end(), {"task", "a task's delay, retry backoff or lease"});
    } else if (ctx.wide()) {
      // The instance may have moved on since the list was read: say so.
      auto d = ctx.source.show(text(timer["instance_id"]), std::nullopt);
      auto what = d ? instance_timer(*d) : std::nullopt;
      row.push_back(what ? what->kind : "-");
      row.push_back(what ? what->detail : d ? "fired since" : d.error().message);
    }
    t.rows.push_back(std::move(row));
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if ((*r)["timers"].empty()) ctx.err << "no pending timers\n";
  return 0;
}

}  // namespace sundial::ctl
