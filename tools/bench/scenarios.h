// The benchmark scenarios and what they share: options, percentiles,
// journal-based timer lateness and duplicate/missing checks, and the
// report (a table plus one JSON line).
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
};

struct Context {
  const BenchOptions& options;
  ServerProcess& server;
  ApiClient& api;
  std::ostream& err;  // progress
};

// Each fills a JSON report (the fields of issue 6 that apply).
Result<nlohmann::json> run_starts(Context& ctx);
Result<nlohmann::json> run_latency(Context& ctx);
Result<nlohmann::json> run_steps(Context& ctx);
Result<nlohmann::json> run_restart(Context& ctx);
Result<nlohmann::json> run_timers_at_scale(Context& ctx);

// p in [0, 1]; the nearest-rank percentile of `values` (sorted in place).
double percentile(std::vector<double>& values, double p);

void print_report(std::ostream& out, const nlohmann::json& report);

}  // namespace sundial::bench
