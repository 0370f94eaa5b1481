// The `keyed` scenario: starts that carry a concurrency key (limit 1,
// on_busy "queue") over K keys, as fast as `starts` sends them. Measures
// what keys cost a start (starts/s against plain `starts`) and how fast a
// key's slot passes on: for a sample of keys, each run's wait in the queue
// (admitted − created) and the handoff (admitted − the previous run's
// finish), read back from the instances and their histories.
#include <algorithm>

#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

namespace {

constexpr size_t kSampledKeys = 100;

struct KeyedRun {
  int64_t created = 0;
  int64_t admitted = 0;  // == created for a run that started at once
  int64_t finished = 0;
};

Result<KeyedRun> read_run(ApiClient& api, const std::string& id) {
  SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json inst, get_json(api, "/api/v1/instances/" + id));
  SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json history, get_json(api, "/api/v1/instances/" + id + "/history"));
  KeyedRun run;
  run.created = inst.value("created_at", int64_t{0});
  run.finished = inst["finished_at"].is_number() ? inst["finished_at"].get<int64_t>() : 0;
  run.admitted = run.created;
  for (const auto& e : history["entries"]) {
    if (e.value("event", "") == "admitted") run.admitted = e.value("at", int64_t{0});
  }
  return run;
}

}  // namespace

Result<nlohmann::json> run_keyed(Context& ctx) {
  const auto& o = ctx.options;
  size_t keys = std::max<size_t>(o.keys, 1);
  ctx.err << "keyed: " << o.n << " starts over " << keys << " keys (limit 1), sleep " << o.sleep_ms << " ms, "
          << o.concurrency << " in flight\n";
  std::string prefix = run_prefix("keyed");
  StartRun run = start_closed_loop(
      ctx.server.port(), o.concurrency, prefix, o.n, o.type.empty() ? "bench.sleep_step" : o.type,
      {{"sleep_ms", o.sleep_ms}}, [keys](size_t i) {
        return nlohmann::json{{"concurrency", {{"key", "k" + std::to_string(i % keys)}}}};
      });
  nlohmann::json report = {
      {"scenario", "keyed"},  {"n", o.n},
      {"keys", keys},         {"acked", run.ids.size()},
      {"failed", run.failed}, {"starts_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
  add_latencies(report, run.latencies_ms);
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", run.ids.size(), 600));
  report["all_completed_s"] = run.seconds + waited;

  // Start i has key i % keys: a key's runs are i, i + keys, ... in arrival order.
  std::vector<double> queued_ms, handoff_ms;
  size_t overlaps = 0;
  for (size_t k = 0; k < std::min(keys, kSampledKeys); ++k) {
    std::optional<KeyedRun> previous;
    for (size_t i = k; i < o.n; i += keys) {
      SUNDIAL_ASSIGN_OR_RETURN(KeyedRun r, read_run(ctx.api, prefix + std::to_string(i)));
      queued_ms.push_back(static_cast<double>(r.admitted - r.created));
      if (previous) {
        if (r.admitted < previous->finished) ++overlaps;
        handoff_ms.push_back(static_cast<double>(r.admitted - previous->finished));
      }
      previous = r;
    }
  }
  report["queued_p50_ms"] = percentile(queued_ms, 0.5);
  report["queued_p99_ms"] = percentile(queued_ms, 0.99);
  report["handoff_p50_ms"] = percentile(handoff_ms, 0.5);
  report["handoff_p99_ms"] = percentile(handoff_ms, 0.99);
  report["overlaps"] = overlaps;
  report["errors"] = overlaps;  // two runs of one key at once is a failure of the run
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
