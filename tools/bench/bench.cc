#include "tools/bench/bench.h"

#include <sys/prctl.h>

#include <filesystem>
#include <optional>

#include "engine/base/closest_match.h"
#include "tools/bench/scenarios.h"
#include "tools/common/api_client.h"

namespace sundial::bench {

namespace {

const std::vector<std::string> kScenarios = {"starts", "latency",   "timers-at-scale", "restart",
                                             "steps",  "probe",     "mixed",           "tasks",
                                             "keyed",  "schedules", "events",          "critical-path"};
const std::vector<std::string> kFlags = {
    "--n",          "--sleep-ms", "--concurrency", "--rate",        "--duration", "--steps",
    "--type",       "--sundiald", "--probe",       "--server",      "--workers",  "--claim-max",
    "--claim-wait", "--preload",  "--samples",     "--completions", "--keys",     "--task-keys",
    "--tasks",      "--edges",    "--help"};

std::string usage() {
  return "usage: sundial-bench SCENARIO [--n N] [--sleep-ms D] [--concurrency C] [--rate R] [--duration S]\n"
         "                     [--steps K] [--type TYPE] [--workers W] [--claim-max M] [--claim-wait DUR]\n"
         "                     [--completions batched|each] [--preload P] [--samples S] [--keys K] [--task-keys K] "
         "[--tasks T] [--edges E] [--sundiald PATH | "
         "--probe PATH | --server "
         "URL]\n\n"
         "Drives a real sundiald over HTTP (keep-alive connections) and prints a table and one JSON line.\n"
         "By default it starts its own sundiald (built beside it; another with --sundiald PATH) on a fresh "
         "data\n"
         "directory and a free port; `probe` starts sundial-bench-probe instead (--probe PATH).\n\n"
         "Scenarios:\n"
         "  starts           N starts (default 10000) as fast as possible, C in flight (64), each sleeping D "
         "ms\n"
         "                   (2000) then one step: starts/s, ack p50/p99/p99.9, timer lateness, peak RSS,\n"
         "                   missing and duplicated steps\n"
         "  latency          open loop at R requests/s (1000) for S seconds (30): ack p50/p99/p99.9\n"
         "  timers-at-scale  N pending far-future timers, then R/s coming due for S s: lateness, RSS per "
         "timer,\n"
         "                   bytes on disk\n"
         "  restart          N pending instances, SIGKILL, restart: time to /readyz and to a new start's "
         "ack\n"
         "  steps            N journaled no-op steps (K per instance, default 10): completions/s\n"
         "  probe            the load of `starts` against sundial-bench-probe (raw libuv + llhttp + "
         "RocksDB,\n"
         "                   one fsync'd WriteBatch per loop turn): the ceiling for starts/s; writes/s, ack "
         "p50/p99\n"
         "  mixed            N waiting instances (default 100000), then R starts/s (1000) open loop for S s "
         "while\n"
         "                   one client pages GET /api/v1/instances?limit=1000 and one probes /healthz at "
         "50/s:\n"
         "                   start ack p50/p99/p99.9, /healthz p50/p99, list pages/s\n"
         "  tasks            N tasks (default 100000) enqueued in batches of 1000 while W workers (2) claim "
         "up\n"
         "                   to M (100) per long-poll claim (wait 5s) and complete each at once (the\n"
         "                   completions of one claim in one request, or one request each with\n"
         "                   --completions each): round trips/s; then S (1000) claim latencies with a\n"
         "                   worker already waiting; with\n"
         "                   --preload P, P tasks pending in another queue first and the RSS with them;\n"
         "                   with --task-keys K, task i carries the concurrency key i % K (limit 1)\n"
         "  keyed            `starts` where start i carries the concurrency key i % K (K = --keys, 1000;\n"
         "                   limit 1): starts/s, ack p50/p99, queue wait and slot handoff p50/p99 (a sample\n"
         "                   of 100 keys), and no two runs of a key at once\n"
         "  schedules        N interval schedules (default 100000) spread so R (1000) fire each second, each\n"
         "                   enqueueing a task: creates/s, RSS with them, fires/s and lateness p50/p99/max\n"
         "                   over S s (run logs of a sample), then SIGKILL: time to /readyz, RSS after\n"
         "  events           N events (default 10000) published to topic bench-events, C in flight, while\n"
         "                   one SSE reader follows the topic: publishes/s, ack p50/p99/p99.9, delivery\n"
         "                   p50/p99/max (publish sent to event read), every acknowledged event read once\n"
         "                   in seq order; then a subscription (enqueue) from the run's first event:\n"
         "                   drain time, deliveries/s\n"
         "  critical-path    N instances (default 5) of the Lua bench.lua_critical_path, one at a\n"
         "                   time, each building a random acyclic graph of T tasks (--tasks, 10000)\n"
         "                   and E edges (--edges, 50000) and calling ctx:critical_path on it: p50/max\n"
         "                   of the critical-path step (from the journal), the whole instance, the\n"
         "                   start's ack and the graph's build; every instance completed, all with\n"
         "                   the same answer\n\n"
         "docs/benchmarks.md has the figures and how they were measured.\n";
}

// A server the bench did not start (--server) must have been started with
// the bench.* workflow types, which a production sundiald lacks.
Result<void> check_bench_types(ApiClient& api) {
  SUNDIAL_ASSIGN_OR_RETURN(ApiResponse r, api.request("GET", "/api/v1/workflows"));
  if (r.status == 200 && r.body.find("\"bench.sleep_step\"") == std::string::npos) {
    return make_error(ErrorCode::kNotFound, "the server at " + api.base_url() +
                                                " has no bench.* workflow types: start it with "
                                                "`sundiald --bench-workflows` (or [bench] workflows = true)");
  }
  return ok();
}

}  // namespace

int run_bench(const std::vector<std::string>& args, const std::string& self_path, std::ostream& out,
              std::ostream& err) {
  BenchOptions o;
  std::optional<std::string> sundiald, probe, server_url;
  bool n_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out << usage();
      return 0;
    }
    if (!a.starts_with("--")) {
      if (!o.scenario.empty() || std::find(kScenarios.begin(), kScenarios.end(), a) == kScenarios.end()) {
        std::string hint = closest_match(a, kScenarios);
        err << "sundial-bench: unknown scenario '" << a << "'"
            << (hint.empty() ? "" : "; did you mean '" + hint + "'?") << "\n";
        return 2;
      }
      o.scenario = a;
      continue;
    }
    if (std::find(kFlags.begin(), kFlags.end(), a) == kFlags.end() || i + 1 >= args.size()) {
      std::string hint = closest_match(a, kFlags);
      err << "sundial-bench: unknown or incomplete flag '" << a << "'"
          << (hint.empty() || hint == a ? "" : "; did you mean '" + hint + "'?") << "\n";
      return 2;
    }
    std::string v = args[++i];
    try {
      if (a == "--n") {
        o.n = std::stoul(v);
        n_given = true;
      }
      if (a == "--sleep-ms") o.sleep_ms = std::stoll(v);
      if (a == "--concurrency") o.concurrency = std::max<size_t>(1, std::stoul(v));
      if (a == "--rate") o.rate = std::stod(v);
      if (a == "--duration") o.duration_s = std::stod(v);
      if (a == "--steps") o.steps = std::max<size_t>(1, std::stoul(v));
      if (a == "--workers") o.workers = std::max<size_t>(1, std::stoul(v));
      if (a == "--claim-max") o.claim_max = std::clamp<size_t>(std::stoul(v), 1, 1000);
      if (a == "--preload") o.preload = std::stoul(v);
      if (a == "--samples") o.samples = std::stoul(v);
      if (a == "--keys") o.keys = std::stoul(v);
      if (a == "--task-keys") o.task_keys = std::stoul(v);
      if (a == "--tasks") o.tasks = std::stoul(v);
      if (a == "--edges") o.edges = std::stoul(v);
    } catch (const std::exception&) {
      err << "sundial-bench: " << a << " takes a number, not '" << v << "'\n";
      return 2;
    }
    if (a == "--sundiald") sundiald = v;
    if (a == "--type") o.type = v;
    if (a == "--probe") probe = v;
    if (a == "--server") server_url = v;
    if (a == "--claim-wait") o.claim_wait = v;
    if (a == "--completions") {
      if (v != "batched" && v != "each") {
        err << "sundial-bench: --completions takes batched or each, not '" << v << "'\n";
        return 2;
      }
      o.batch_completions = v == "batched";
    }
  }
  if ((o.scenario == "mixed" || o.scenario == "tasks" || o.scenario == "schedules") && !n_given) o.n = 100000;
  if (o.scenario == "critical-path" && !n_given) o.n = 5;
  if (o.scenario.empty()) {
    err << usage();
    return 2;
  }
  std::filesystem::path tools_dir = std::filesystem::path(self_path).parent_path();
  // Installed, sundiald is beside the bench (bin/); in a build tree, in server/.
  std::string default_sundiald = std::filesystem::exists(tools_dir / "sundiald")
                                     ? (tools_dir / "sundiald").string()
                                     : (tools_dir.parent_path() / "server" / "sundiald").string();
  std::string default_probe = (tools_dir / "sundial-bench-probe").string();
  auto server = server_url ? ServerProcess::external(*server_url)
                : o.scenario == "probe"
                    ? ServerProcess::spawn(probe.value_or(default_probe), ServerProcess::Kind::kProbe)
                    : ServerProcess::spawn(sundiald.value_or(default_sundiald));
  if (!server) {
    err << "sundial-bench: " << server.error().message << "\n";
    return 1;
  }
  // Open loops sleep until each request's scheduled time: wake on time
  // (the default 50 µs timer slack would count as server latency).
  ::prctl(PR_SET_TIMERSLACK, 1UL);
  ApiClient api(server->url(), std::nullopt);
  if (server_url && o.scenario != "probe") {
    if (auto missing = check_bench_types(api); !missing) {
      err << "sundial-bench: " << missing.error().message << "\n";
      return 1;
    }
  }
  Context ctx{o, *server, api, err};
  Result<nlohmann::json> report = make_error(ErrorCode::kInternal, "no scenario");
  if (o.scenario == "starts") report = run_starts(ctx);
  if (o.scenario == "latency") report = run_latency(ctx);
  if (o.scenario == "timers-at-scale") report = run_timers_at_scale(ctx);
  if (o.scenario == "restart") report = run_restart(ctx);
  if (o.scenario == "steps") report = run_steps(ctx);
  if (o.scenario == "probe") report = run_probe(ctx);
  if (o.scenario == "mixed") report = run_mixed(ctx);
  if (o.scenario == "tasks") report = run_tasks(ctx);
  if (o.scenario == "keyed") report = run_keyed(ctx);
  if (o.scenario == "schedules") report = run_schedules(ctx);
  if (o.scenario == "events") report = run_events(ctx);
  if (o.scenario == "critical-path") report = run_critical_path(ctx);
  if (!report) {
    err << "sundial-bench: " << o.scenario << ": " << report.error().message << "\n";
    return 1;
  }
  print_report(out, *report);
  bool correct = report->value("missing", 0) == 0 && report->value("duplicates", 0) == 0 &&
                 report->value("errors", 0) == 0;
  if (!correct)
    err << "sundial-bench: instances missing, steps duplicated or requests answered with errors\n";
  return correct ? 0 : 1;
}

}  // namespace sundial::bench
