// The `probe` scenario: the load of `starts` against sundial-bench-probe
// (tools/bench/probe/probe_server.h), so starts/probe is a ratio measured
// in one session on one machine.
#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

Result<nlohmann::json> run_probe(Context& ctx) {
  const auto& o = ctx.options;
  ctx.err << "probe: " << o.n << " writes (raw libuv + llhttp + RocksDB group commit), " << o.concurrency
          << " in flight\n";
  // The same requests as `starts`: the probe stores each body under a new key.
  StartRun run = start_closed_loop(ctx.server.port(), o.concurrency, run_prefix("probe"), o.n,
                                   "bench.sleep_step", {{"sleep_ms", o.sleep_ms}});
  nlohmann::json report = {{"scenario", "probe"},
                           {"n", o.n},
                           {"acked", run.ids.size()},
                           {"failed", run.failed},
                           {"writes_per_s", static_cast<double>(run.ids.size()) / run.seconds}};
  add_latencies(report, run.latencies_ms);
  SUNDIAL_ASSIGN_OR_RETURN(auto stats, get_json(ctx.api, "/stats"));
  auto keys = stats.value("keys", uint64_t{0});
  auto writes = stats.value("writes", uint64_t{0});
  report["synced_writes"] = writes;
  report["keys_per_synced_write"] =
      writes == 0 ? 0.0 : static_cast<double>(keys) / static_cast<double>(writes);
  // Every acknowledged write must be in the store.
  report["missing"] = (o.n - run.ids.size()) + (keys < run.ids.size() ? run.ids.size() - keys : 0);
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
