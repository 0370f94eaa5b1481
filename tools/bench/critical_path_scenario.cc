// The `critical-path` scenario: the claim "the critical path of 10,000
// tasks and 50,000 edges is computed in under 1 s", end to end as a
// user's Lua workflow runs it (docs/lua.md, ctx:critical_path, says a few
// milliseconds for the computation alone).
//
// N instances (default 5) of the shipped bench.lua_critical_path
// (workflows/bench/), one at a time so that each has the server to
// itself, each with { tasks = --tasks, edges = --edges, seed = 1 }: the
// script builds that random acyclic graph in Lua and calls
// ctx:critical_path on it. The bench starts one, polls GET
// /api/v1/instances/{id} every 2 ms until it has ended, reads its history,
// then starts the next. Per instance:
//  - instance: the start request sent → the instance seen completed (the
//    bench's steady clock; the polling adds up to 2 ms);
//  - ack: the start's answer (the script builds the graph before the start
//    is acknowledged: its build steps run in the start's commit);
//  - build: the history's "started" entry → its "built" kv read (the
//    server's clock, ms): the Lua building the graph, the start's commit
//    and the read;
//  - critical-path step: "built" → the "critical-path" step's entry: the
//    Lua tables read into JSON, the commit before the step, the
//    computation on the blocking-step pool until its result is back on the
//    loop. This is the figure the claim is about.
// Each reported as p50 and max. Correctness: every instance completed
// with a result that makes sense (a length > 0, a path, at least as many
// critical tasks as the path has, no cycle) and the same as the first
// one's (the same input gives the same graph); otherwise `errors`. No step
// twice (check_journals: `duplicates`).
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/load_client.h"
#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

namespace {

constexpr const char* kType = "bench.lua_critical_path";
constexpr int64_t kSeed = 1;
constexpr useconds_t kPollUs = 2000;
constexpr int64_t kInstanceTimeoutUs = 300'000'000;

// One instance, read back once it ended.
struct CriticalPathRun {
  bool acked = false;  // 201
  bool completed = false;
  double instance_ms = 0;
  double ack_ms = 0;
  std::optional<double> build_ms;  // none: an entry was missing
  std::optional<double> step_ms;
  nlohmann::json result;
};

// Polls the instance until it ends or the timeout passes: whether it
// completed. Prints why not.
Result<bool> wait_until_ended(Context& ctx, const std::string& id) {
  int64_t t0 = now_us();
  while (now_us() - t0 < kInstanceTimeoutUs) {
    SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json inst, get_json(ctx.api, "/api/v1/instances/" + id));
    std::string status = inst.value("status", "");
    if (status == "completed") return true;
    if (status == "failed" || status == "cancelled") {
      ctx.err << "critical-path: instance " << id << " " << status << ": "
              << (inst["last_error"].is_string() ? inst["last_error"].get<std::string>() : "") << "\n";
      return false;
    }
    ::usleep(kPollUs);
  }
  ctx.err << "critical-path: instance " << id << " did not end within " << kInstanceTimeoutUs / 1'000'000
          << " s\n";
  return false;
}

// The history's times ("started" → the "built" step → the
// "critical-path" step) and the workflow's result (the "completed" entry).
Result<void> read_history(Context& ctx, const std::string& id, CriticalPathRun& run) {
  SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json history, get_json(ctx.api, "/api/v1/instances/" + id + "/history"));
  std::optional<int64_t> started, built, computed;
  for (const auto& e : history["entries"]) {
    std::string event = e.value("event", "");
    int64_t at = e.value("at", int64_t{0});
    if (event == "started") started = at;
    if (event == "step_completed" && e.value("step", "") == "built") built = at;
    if (event == "step_completed" && e.value("step", "") == "critical-path") computed = at;
    if (event == "completed") run.result = e.value("data", nlohmann::json());
  }
  if (started && built) run.build_ms = static_cast<double>(*built - *started);
  if (built && computed) run.step_ms = static_cast<double>(*computed - *built);
  return ok();
}

Result<CriticalPathRun> run_one(Context& ctx, const std::string& id, const nlohmann::json& input,
                                const std::string& type) {
  CriticalPathRun run;
  int64_t t0 = now_us();
  SUNDIAL_ASSIGN_OR_RETURN(auto started, ctx.api.request("POST", "/api/v1/workflows/" + type + "/instances",
                                                         start_body(id, input)));
  run.ack_ms = static_cast<double>(now_us() - t0) / 1000.0;
  if (started.status != 201) {
    ctx.err << "critical-path: the start of " << id << " answered " << started.status << ": " << started.body
            << "\n";
    return run;
  }
  run.acked = true;
  SUNDIAL_ASSIGN_OR_RETURN(run.completed, wait_until_ended(ctx, id));
  run.instance_ms = static_cast<double>(now_us() - t0) / 1000.0;
  if (run.completed) SUNDIAL_TRY(read_history(ctx, id, run));
  return run;
}

// A result a graph with tasks can have.
bool plausible(const nlohmann::json& r) {
  if (!r.is_object()) return false;
  const nlohmann::json length = r.value("length", nlohmann::json()),
                       path = r.value("path_length", nlohmann::json()),
                       critical = r.value("critical", nlohmann::json()),
                       cycle = r.value("cycle", nlohmann::json());
  if (!length.is_number() || !path.is_number_integer() || !critical.is_number_integer() ||
      !cycle.is_boolean())
    return false;
  return length.get<double>() > 0 && path.get<int64_t>() >= 1 &&
         critical.get<int64_t>() >= path.get<int64_t>() && !cycle.get<bool>();
}

// name_p50_ms and name_max_ms.
void add_p50_max(nlohmann::json& report, const std::string& name, std::vector<double>& ms) {
  if (ms.empty()) return;
  report[name + "_p50_ms"] = percentile(ms, 0.50);
  report[name + "_max_ms"] = *std::max_element(ms.begin(), ms.end());
}

}  // namespace

Result<nlohmann::json> run_critical_path(Context& ctx) {
  const auto& o = ctx.options;
  const std::string type = o.type.empty() ? kType : o.type;
  const nlohmann::json input = {{"tasks", o.tasks}, {"edges", o.edges}, {"seed", kSeed}};
  ctx.err << "critical-path: " << o.n << " instances of " << type << " one at a time, " << o.tasks
          << " tasks and " << o.edges << " edges each\n";
  const std::string prefix = run_prefix("critical-path");
  std::vector<std::string> ids;
  std::vector<double> instance_ms, ack_ms, build_ms, step_ms;
  std::optional<nlohmann::json> first_result;
  size_t completed = 0, errors = 0;
  for (size_t i = 0; i < o.n; ++i) {
    std::string id = prefix + std::to_string(i);
    SUNDIAL_ASSIGN_OR_RETURN(CriticalPathRun run, run_one(ctx, id, input, type));
    ids.push_back(id);
    if (run.acked) ack_ms.push_back(run.ack_ms);
    if (!run.completed) {
      ++errors;
      continue;
    }
    ++completed;
    instance_ms.push_back(run.instance_ms);
    if (!run.build_ms || !run.step_ms || !plausible(run.result)) {
      ctx.err << "critical-path: instance " << id << " has no \"built\" or \"critical-path\" entry or an "
              << "unexpected result: " << run.result.dump() << "\n";
      ++errors;
      continue;
    }
    build_ms.push_back(*run.build_ms);
    step_ms.push_back(*run.step_ms);
    if (!first_result) first_result = run.result;
    if (run.result != *first_result) {
      ctx.err << "critical-path: instance " << id << " answered " << run.result.dump() << ", the first "
              << first_result->dump() << "\n";
      ++errors;
    }
  }
  JournalCheck check = check_journals(ctx.server.port(), 1, ids, true);
  nlohmann::json report = {{"scenario", "critical-path"},
                           {"n", o.n},
                           {"tasks", o.tasks},
                           {"edges", o.edges},
                           {"completed", completed}};
  if (first_result) {
    report["length"] = (*first_result)["length"];
    report["path_length"] = (*first_result)["path_length"];
    report["critical"] = (*first_result)["critical"];
  }
  add_p50_max(report, "critical_path_step", step_ms);
  add_p50_max(report, "instance", instance_ms);
  add_p50_max(report, "ack", ack_ms);
  add_p50_max(report, "build", build_ms);
  report["duplicates"] = check.duplicates;
  report["errors"] = errors;
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
