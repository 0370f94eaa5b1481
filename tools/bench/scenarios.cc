#include "tools/bench/scenarios.h"

#include <algorithm>
#include <cmath>
#include <iomanip>

#include "tools/bench/load_client.h"

namespace sundial::bench {

namespace {

struct StartRun {
  std::vector<std::string> ids;  // acknowledged
  std::vector<double> latencies_ms;
  double seconds = 0;
  size_t failed = 0;
};

std::string start_body(const std::string& id, const nlohmann::json& input) {
  return nlohmann::json{{"id", id}, {"input", input}}.dump();
}

// As fast as possible with `concurrency` requests in flight.
StartRun start_closed_loop(int port, size_t concurrency, const std::string& prefix, size_t n, const std::string& type,
                           const nlohmann::json& input) {
  StartRun run;
  LoadClient client(port, std::min(concurrency, n == 0 ? size_t{1} : n));
  int64_t t0 = now_us();
  size_t submitted = 0;
  while (submitted < n || client.in_flight() > 0) {
    while (submitted < n && client.in_flight() < concurrency) {
      std::string id = prefix + std::to_string(submitted++);
      client.submit(start_request(type, start_body(id, input)), now_us(), [&run, id](Answer a) {
        if (a.status == 201 || a.status == 200) {
          run.ids.push_back(id);
          run.latencies_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
        } else {
          ++run.failed;
        }
      });
    }
    client.pump(10);
    if (!client.ok() && client.in_flight() == 0) break;
  }
  run.seconds = static_cast<double>(now_us() - t0) / 1e6;
  return run;
}

// At `rate` per second for `seconds`, latency from each request's scheduled time.
StartRun start_open_loop(int port, size_t connections, double rate, double seconds, const std::string& prefix,
                         const std::string& type, const nlohmann::json& input) {
  StartRun run;
  LoadClient client(port, connections);
  int64_t t0 = now_us();
  size_t total = static_cast<size_t>(rate * seconds);
  size_t submitted = 0;
  while (submitted < total || client.in_flight() > 0) {
    int64_t now = now_us();
    while (submitted < total) {
      int64_t scheduled = t0 + static_cast<int64_t>(static_cast<double>(submitted) * 1e6 / rate);
      if (scheduled > now) break;
      std::string id = prefix + std::to_string(submitted++);
      client.submit(start_request(type, start_body(id, input)), scheduled, [&run, id](Answer a) {
        if (a.status == 201 || a.status == 200) {
          run.ids.push_back(id);
          run.latencies_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
        } else {
          ++run.failed;
        }
      });
    }
    int64_t next = submitted < total ? t0 + static_cast<int64_t>(static_cast<double>(submitted) * 1e6 / rate) : now + 10000;
    client.pump(static_cast<int>(std::clamp<int64_t>((next - now_us()) / 1000, 0, 10)));
    if (!client.ok() && client.in_flight() == 0) break;
  }
  run.seconds = static_cast<double>(now_us() - t0) / 1e6;
  return run;
}

Result<nlohmann::json> get_json(ApiClient& api, const std::string& path) {
  auto r = api.request("GET", path);
  if (!r) return std::unexpected(r.error());
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200 || j.is_discarded()) {
    return make_error(ErrorCode::kInternal, path + " answered " + std::to_string(r->status));
  }
  return j;
}

// Waits until at least `count` instances have `status`; the seconds waited.
Result<double> wait_for_status(ApiClient& api, const std::string& status, size_t count, double timeout_s) {
  int64_t t0 = now_us();
  while (static_cast<double>(now_us() - t0) / 1e6 < timeout_s) {
    SUNDIAL_ASSIGN_OR_RETURN(auto stats, get_json(api, "/api/v1/stats"));
    if (stats["instances"].value(status, uint64_t{0}) >= count) return static_cast<double>(now_us() - t0) / 1e6;
    ::usleep(20000);
  }
  return make_error(ErrorCode::kUnavailable, "instances did not reach '" + status + "' in time");
}

struct JournalCheck {
  size_t missing = 0;
  size_t duplicates = 0;
  std::vector<double> lateness_ms;
};

// Reads every instance's journal: missing (no history or not completed),
// duplicated steps, and timer lateness (fired at − due).
JournalCheck check_journals(int port, size_t connections, const std::vector<std::string>& ids, bool expect_completed) {
  JournalCheck check;
  LoadClient client(port, connections);
  for (const auto& id : ids) {
    std::string request = "GET /api/v1/instances/" + id + "/history HTTP/1.1\r\nHost: bench\r\n\r\n";
    client.submit(request, now_us(), [&check, expect_completed](Answer a) {
      auto j = nlohmann::json::parse(a.body, nullptr, false);
      if (a.status != 200 || j.is_discarded()) {
        ++check.missing;
        return;
      }
      std::map<std::string, int> completed_steps;
      int64_t due = 0;
      bool done = false;
      for (const auto& e : j["entries"]) {
        std::string event = e.value("event", "");
        if (event == "timer_scheduled") due = e.value("due", int64_t{0});
        if (event == "timer_fired" && due > 0) check.lateness_ms.push_back(static_cast<double>(e.value("at", int64_t{0}) - due));
        if (event == "step_completed") ++completed_steps[e.value("step", "")];
        if (event == "completed") done = true;
      }
      for (const auto& [step, n] : completed_steps) check.duplicates += n > 1;
      if (expect_completed && !done) ++check.missing;
    });
    while (client.in_flight() >= connections * 16) client.pump(10);
  }
  while (client.in_flight() > 0 && client.ok()) client.pump(10);
  return check;
}

void add_latencies(nlohmann::json& report, std::vector<double>& ms) {
  if (ms.empty()) return;
  report["ack_p50_ms"] = percentile(ms, 0.50);
  report["ack_p99_ms"] = percentile(ms, 0.99);
  report["ack_p999_ms"] = percentile(ms, 0.999);
}

void add_lateness(nlohmann::json& report, std::vector<double>& ms) {
  if (ms.empty()) return;
  report["lateness_p50_ms"] = percentile(ms, 0.50);
  report["lateness_p99_ms"] = percentile(ms, 0.99);
  report["lateness_max_ms"] = *std::max_element(ms.begin(), ms.end());
}

void add_rss(nlohmann::json& report, const ServerProcess& server) {
  if (auto rss = server.peak_rss_mb()) report["server_peak_rss_mb"] = *rss;
}

std::string run_prefix(const std::string& scenario) { return scenario + "-" + std::to_string(now_us() % 1000000000) + "-"; }

}  // namespace

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

Result<nlohmann::json> run_starts(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "starts: " << o.n << " instances, sleep " << o.sleep_ms << " ms, " << o.concurrency << " in flight\n";
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("starts"), o.n, "bench.sleep_step",
                                   {{"sleep_ms", o.sleep_ms}});
  nlohmann::json report = {{"scenario", "starts"}, {"n", o.n}, {"acked", run.ids.size()}, {"failed", run.failed},
                           {"starts_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
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
  StartRun run = start_open_loop(ctx.server.port(), o.concurrency, o.rate, o.duration_s, run_prefix("latency"),
                                 "bench.sleep_step", {{"sleep_ms", o.sleep_ms}});
  nlohmann::json report = {{"scenario", "latency"}, {"n", run.ids.size() + run.failed}, {"rate", o.rate},
                           {"failed", run.failed}, {"starts_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
  add_latencies(report, run.latencies_ms);
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_steps(Context& ctx) {
  const auto& o = ctx.options;
  size_t instances = std::max<size_t>(1, o.n / o.steps);
  ctx.err << "steps: " << instances << " instances x " << o.steps << " no-op steps\n";
  int64_t t0 = now_us();
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("steps"), instances, "bench.steps",
                                   {{"steps", o.steps}});
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", run.ids.size(), 600));
  (void)waited;
  double seconds = static_cast<double>(now_us() - t0) / 1e6;
  JournalCheck check = check_journals(ctx.server.port(), 8, run.ids, true);
  nlohmann::json report = {{"scenario", "steps"},
                           {"n", run.ids.size() * o.steps},
                           {"steps_per_s", static_cast<double>(run.ids.size() * o.steps) / seconds},
                           {"missing", check.missing + (instances - run.ids.size())},
                           {"duplicates", check.duplicates}};
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_restart(Context& ctx) {
  const auto& o = ctx.options;
  if (!ctx.server.owned()) return make_error(ErrorCode::kInvalidArgument, "restart needs the bench's own sundiald");
  ctx.err << "restart: " << o.n << " pending instances, then SIGKILL and restart\n";
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("restart"), o.n, "bench.sleep_step",
                                   {{"sleep_ms", 86'400'000}});
  SUNDIAL_ASSIGN_OR_RETURN(double to_port_ms, ctx.server.kill_and_restart());
  ApiClient api(ctx.server.url(), std::nullopt);
  int64_t t0 = now_us();
  double ready_ms = -1;
  while (static_cast<double>(now_us() - t0) / 1e6 < 60) {
    auto r = api.request("GET", "/readyz");
    if (r && r->status == 200) {
      ready_ms = to_port_ms + static_cast<double>(now_us() - t0) / 1000.0;
      break;
    }
    ::usleep(1000);
  }
  int64_t s0 = now_us();
  auto first = api.request("POST", "/api/v1/workflows/bench.sleep_step/instances", R"({"input":{"sleep_ms":86400000}})");
  double start_ms = to_port_ms + static_cast<double>(now_us() - t0) / 1000.0;
  double start_ack_ms = static_cast<double>(now_us() - s0) / 1000.0;
  SUNDIAL_ASSIGN_OR_RETURN(auto stats, get_json(api, "/api/v1/stats"));
  size_t waiting = stats["instances"].value("waiting", size_t{0});
  nlohmann::json report = {{"scenario", "restart"},
                           {"n", run.ids.size()},
                           {"restart_to_listening_ms", to_port_ms},
                           {"restart_to_ready_ms", ready_ms},
                           {"restart_to_start_acked_ms", (first && first->status == 201) ? start_ms : -1},
                           {"first_start_ack_ms", start_ack_ms},
                           {"missing", run.ids.size() + 1 > waiting ? run.ids.size() + 1 - waiting : 0}};
  add_rss(report, ctx.server);
  return report;
}

Result<nlohmann::json> run_timers_at_scale(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "timers-at-scale: " << o.n << " far-future timers, then " << o.rate << " timers/s coming due for "
          << o.duration_s << " s\n";
  double rss_before = ctx.server.rss_mb().value_or(0);
  StartRun far = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("far"), o.n, "bench.sleep_step",
                                   {{"sleep_ms", 30LL * 86'400'000}});
  double rss_far = ctx.server.rss_mb().value_or(0);
  StartRun due = start_open_loop(ctx.server.port(), o.concurrency, o.rate, o.duration_s, run_prefix("due"),
                                 "bench.sleep_step", {{"sleep_ms", 1000}});
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", due.ids.size(), 600));
  (void)waited;
  JournalCheck check = check_journals(ctx.server.port(), 8, due.ids, true);
  nlohmann::json report = {{"scenario", "timers-at-scale"},
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
