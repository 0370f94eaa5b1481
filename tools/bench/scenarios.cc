#include "tools/bench/scenarios.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <optional>

#include "tools/bench/load_client.h"
#include "tools/bench/scenario_support.h"

namespace sundial::bench {

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

Result<nlohmann::json> run_starts(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "starts: " << o.n << " instances, sleep " << o.sleep_ms << " ms, " << o.concurrency
          << " in flight\n";
  std::optional<double> cpu0 = ctx.server.cpu_seconds();
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("starts"), o.n,
                                   o.type.empty() ? "bench.sleep_step" : o.type, {{"sleep_ms", o.sleep_ms}});
  std::optional<double> cpu1 = ctx.server.cpu_seconds();
  nlohmann::json report = {{"scenario", "starts"},
                           {"n", o.n},
                           {"acked", run.ids.size()},
                           {"failed", run.failed},
                           {"starts_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
  // The server's CPU while the starts were acknowledged (timers that came
  // due meanwhile included), per start.
  if (cpu0 && cpu1 && !run.ids.empty()) {
    report["server_cpu_us_per_start"] = (*cpu1 - *cpu0) * 1e6 / static_cast<double>(run.ids.size());
  }
  add_latencies(report, run.latencies_ms);
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", run.ids.size(), 600));
  report["all_completed_s"] = run.seconds + waited;
  JournalCheck check = check_journals(ctx.server.port(), 8, run.ids, true);
  report["missing"] = check.missing + (o.n - run.ids.size());
  report["duplicates"] = check.duplicates;
  add_lateness(report, check.lateness_ms);
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_latency(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "latency: open loop at " << o.rate << "/s for " << o.duration_s << " s\n";
  StartRun run = start_open_loop(ctx.server.port(), o.concurrency, o.rate, o.duration_s,
                                 run_prefix("latency"), "bench.sleep_step", {{"sleep_ms", o.sleep_ms}});
  nlohmann::json report = {{"scenario", "latency"},
                           {"n", run.ids.size() + run.failed},
                           {"rate", o.rate},
                           {"failed", run.failed},
                           {"starts_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
  add_latencies(report, run.latencies_ms);
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_steps(Context& ctx) {
  const auto& o = ctx.options;
  size_t instances = std::max<size_t>(1, o.n / o.steps);
  ctx.err << "steps: " << instances << " instances x " << o.steps << " no-op steps\n";
  int64_t t0 = now_us();
  std::optional<double> cpu0 = ctx.server.cpu_seconds();
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("steps"), instances,
                                   o.type.empty() ? "bench.steps" : o.type, {{"steps", o.steps}});
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", run.ids.size(), 600));
  (void)waited;
  double seconds = static_cast<double>(now_us() - t0) / 1e6;
  std::optional<double> cpu1 = ctx.server.cpu_seconds();
  JournalCheck check = check_journals(ctx.server.port(), 8, run.ids, true);
  nlohmann::json report = {{"scenario", "steps"},
                           {"n", run.ids.size() * o.steps},
                           {"steps_per_s", static_cast<double>(run.ids.size() * o.steps) / seconds},
                           {"missing", check.missing + (instances - run.ids.size())},
                           {"duplicates", check.duplicates}};
  // The server's CPU from the first start to the last completion (the
  // starts and the status polls included), per step.
  if (cpu0 && cpu1 && !run.ids.empty()) {
    report["server_cpu_us_per_step"] = (*cpu1 - *cpu0) * 1e6 / static_cast<double>(run.ids.size() * o.steps);
  }
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_restart(Context& ctx) {
  const auto& o = ctx.options;
  if (!ctx.server.owned())
    return make_error(ErrorCode::kInvalidArgument, "restart needs the bench's own sundiald");
  ctx.err << "restart: " << o.n << " pending instances, then SIGKILL and restart\n";
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("restart"), o.n,
                                   "bench.sleep_step", {{"sleep_ms", 86'400'000}});
  SUNDIAL_ASSIGN_OR_RETURN(Restarted restarted, kill_and_wait_ready(ctx.server));
  ApiClient api(ctx.server.url(), std::nullopt);
  int64_t s0 = now_us();
  auto first = api.request("POST", "/api/v1/workflows/bench.sleep_step/instances",
                           R"({"input":{"sleep_ms":86400000}})");
  double start_ms = restarted.to_ready_ms + static_cast<double>(now_us() - s0) / 1000.0;
  double start_ack_ms = static_cast<double>(now_us() - s0) / 1000.0;
  SUNDIAL_ASSIGN_OR_RETURN(auto stats, get_json(api, "/api/v1/stats"));
  size_t waiting = stats["instances"].value("waiting", size_t{0});
  nlohmann::json report = {{"scenario", "restart"},
                           {"n", run.ids.size()},
                           {"restart_to_listening_ms", restarted.to_port_ms},
                           {"restart_to_ready_ms", restarted.to_ready_ms},
                           {"restart_to_start_acked_ms", (first && first->status == 201) ? start_ms : -1},
                           {"first_start_ack_ms", start_ack_ms},
                           {"missing", run.ids.size() + 1 > waiting ? run.ids.size() + 1 - waiting : 0}};
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_timers_at_scale(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "timers-at-scale: " << o.n << " far-future timers, then " << o.rate
          << " timers/s coming due for " << o.duration_s << " s\n";
  double rss_before = ctx.server.rss_mb().value_or(0);
  StartRun far = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("far"), o.n,
                                   "bench.sleep_step", {{"sleep_ms", 30LL * 86'400'000}});
  double rss_far = ctx.server.rss_mb().value_or(0);
  StartRun due = start_open_loop(ctx.server.port(), o.concurrency, o.rate, o.duration_s, run_prefix("due"),
                                 "bench.sleep_step", {{"sleep_ms", 1000}});
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", due.ids.size(), 600));
  (void)waited;
  JournalCheck check = check_journals(ctx.server.port(), 8, due.ids, true);
  nlohmann::json report = {
      {"scenario", "timers-at-scale"},
      {"n", far.ids.size()},
      {"due_n", due.ids.size()},
      {"starts_per_s", static_cast<double>(far.ids.size()) / far.seconds},
      {"missing", check.missing},
      {"duplicates", check.duplicates},
      {"server_rss_mb", ctx.server.rss_mb().value_or(0)},
      {"rss_per_pending_timer_bytes",
       far.ids.empty() ? 0.0 : (rss_far - rss_before) * 1024 * 1024 / static_cast<double>(far.ids.size())}};
  if (auto bytes = ctx.server.data_bytes()) report["disk_bytes"] = *bytes;
  add_lateness(report, check.lateness_ms);
  add_rss(report, ctx.server);
  return report;
}

void print_report(std::ostream& out, const nlohmann::json& report) {
  out << "\n" << report.value("scenario", "?") << "\n";
  for (const auto& [key, value] : report.items()) {
    if (key == "scenario") continue;
    out << "  " << std::left << std::setw(28) << key;
    if (value.is_number_float()) {
      out << std::fixed << std::setprecision(value.get<double>() < 100 ? 2 : 0) << value.get<double>();
      out.unsetf(std::ios::fixed);
    } else {
      out << value.dump();
    }
    out << "\n";
  }
  out << report.dump() << "\n";
}

}  // namespace sundial::bench
