// The benchmark scenarios: options, percentiles and the report (a table
// plus one JSON line). What they share to run is scenario_support.h.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "tools/bench/server_process.h"
#include "tools/common/api_client.h"

namespace sundial::bench {

struct BenchOptions {
  std::string scenario;
  size_t n = 10000;
  int64_t sleep_ms = 2000;
  size_t concurrency = 64;
  double rate = 1000;
  double duration_s = 30;
  size_t steps = 10;  // steps scenario: steps per instance
  // starts and steps: the workflow type to start (default bench.sleep_step
  // and bench.steps; their Lua twins are bench.lua_sleep_step and
  // bench.lua_steps).
  std::string type;
  // tasks: worker threads, tasks per claim, each claim's long-poll wait,
  // tasks pre-loaded pending in another queue, claim-latency samples.
  size_t workers = 2;
  size_t claim_max = 100;
  std::string claim_wait = "5s";
  size_t preload = 0;
  size_t samples = 1000;
  size_t keys = 1000;             // keyed: concurrency keys the starts spread over
  size_t task_keys = 0;           // tasks: concurrency keys (limit 1) the tasks spread over; 0: none
  bool batch_completions = true;  // a worker's completions in one request (POST /api/v1/tasks:complete)
  // critical-path: the graph each instance builds.
  size_t tasks = 10000;
  size_t edges = 50000;
};

struct Context {
  const BenchOptions& options;
  ServerProcess& server;
  ApiClient& api;
  std::ostream& err;  // progress
};

// Each fills a JSON report (the fields of issue 6 that apply).
Result<nlohmann::json> run_starts(Context& ctx);
// `starts` with a concurrency key each (limit 1) over --keys keys
// (keyed_scenario.cc).
Result<nlohmann::json> run_keyed(Context& ctx);
Result<nlohmann::json> run_latency(Context& ctx);
Result<nlohmann::json> run_steps(Context& ctx);
Result<nlohmann::json> run_restart(Context& ctx);
Result<nlohmann::json> run_timers_at_scale(Context& ctx);
// `starts`'s load against sundial-bench-probe (probe_scenario.cc).
Result<nlohmann::json> run_probe(Context& ctx);
// Open-loop starts while a client pages the instance list and another
// probes /healthz (mixed_scenario.cc).
Result<nlohmann::json> run_mixed(Context& ctx);
// Task queues: enqueue, claim, complete round trips; claim latency with a
// worker waiting; RSS with M pending (tasks_scenario.cc).
Result<nlohmann::json> run_tasks(Context& ctx);
// N interval schedules firing R/s: creates/s, RSS, fires/s, lateness,
// restart (schedules_scenario.cc).
Result<nlohmann::json> run_schedules(Context& ctx);
// N events published to topic bench-events while one SSE reader follows
// it: publishes/s, ack and delivery latency, every event read once in
// order; then a subscription's lag drain (events_scenario.cc).
Result<nlohmann::json> run_events(Context& ctx);
// N instances of the Lua bench.lua_critical_path one at a time, each on a
// random graph of --tasks tasks and --edges edges: the critical-path
// step's time from the journal, the instance's end to end
// (critical_path_scenario.cc).
Result<nlohmann::json> run_critical_path(Context& ctx);

// p in [0, 1]; the nearest-rank percentile of `values` (sorted in place).
double percentile(std::vector<double>& values, double p);

void print_report(std::ostream& out, const nlohmann::json& report);

}  // namespace sundial::bench
