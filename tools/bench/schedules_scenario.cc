// The `schedules` scenario (issue 16): N interval schedules (--n, default
// 100,000) spread evenly so that R of them (--rate, 1,000) come due each
// second: each every N/R seconds, schedule i offset by i/R seconds (its
// start_at), each firing a task into a queue no worker reads.
//  1. Creates them (POST /api/v1/schedules, C in flight): creates/s, and
//     sundiald's RSS with them all in.
//  2. Lets them fire for S seconds (--duration, 30): fires/s (tasks made),
//     lateness p50/p99/max of every fire of a sample of the schedules
//     (started_at − nominal_time in their run logs), RSS at the end.
//  3. SIGKILL and restart: time to /readyz, then RSS once every schedule
//     has fired again after the restart (the read back and the misfire
//     pass included).
// Nothing may be missing (a sampled schedule without its fires in the
// window) or duplicated (two runs of one nominal time).
#include <unistd.h>

#include <algorithm>
#include <set>

#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

namespace {

constexpr const char* kScheduleQueue = "bench-schedules";
constexpr size_t kSampledSchedules = 5000;  // schedules whose run logs are read

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string schedule_id(size_t i) { return "bench-" + std::to_string(i); }

// Tasks the schedules made so far.
Result<size_t> tasks_made(ApiClient& api) {
  SUNDIAL_ASSIGN_OR_RETURN(auto all, get_json(api, "/api/v1/queues"));
  for (const auto& q : all["queues"]) {
    if (q.value("queue", "") == kScheduleQueue) return q.value("pending", size_t{0});
  }
  return size_t{0};
}

struct RunLogCheck {
  std::vector<double> lateness_ms;  // fires with a nominal time in the window
  size_t missing = 0;               // nominal times in the window without a run
  size_t duplicates = 0;            // nominal times with two runs
  size_t read_errors = 0;
};

// Reads the run logs of a sample of the schedules: every nominal time of
// schedule i in [from, to) (i/rate + k·period) must have exactly one run.
RunLogCheck check_run_logs(int port, size_t n, double rate, int64_t period_ms, int64_t from, int64_t to) {
  RunLogCheck out;
  size_t sampled = std::min(n, kSampledSchedules);
  size_t stride = std::max<size_t>(1, n / sampled);
  closed_loop(
      port, 16, sampled,
      [&](size_t k) {
        return get_request("/api/v1/schedules/" + schedule_id(k * stride) + "/runs?limit=1000");
      },
      [&](size_t k, const Answer& a) {
        auto page = nlohmann::json::parse(a.body, nullptr, false);
        if (a.status != 200 || !page.is_object() || !page["runs"].is_array()) {
          ++out.read_errors;
          return;
        }
        std::set<int64_t> seen;
        for (const auto& run : page["runs"]) {
          int64_t nominal = run.value("nominal_time", int64_t{0});
          if (!seen.insert(nominal).second) ++out.duplicates;
          if (nominal >= from && nominal < to && run.value("trigger", "") == "schedule") {
            out.lateness_ms.push_back(static_cast<double>(run.value("started_at", int64_t{0}) - nominal));
          }
        }
        auto offset = static_cast<int64_t>(static_cast<double>(k * stride) * 1000.0 / rate);
        for (int64_t t = offset + (from - offset + period_ms - 1) / period_ms * period_ms; t < to;
             t += period_ms) {
          if (!seen.contains(t)) ++out.missing;
        }
      });
  return out;
}

}  // namespace

Result<nlohmann::json> run_schedules(Context& ctx) {
  const auto& o = ctx.options;
  double rate = std::max(o.rate, 1.0);
  auto period_ms = static_cast<int64_t>(static_cast<double>(o.n) * 1000.0 / rate);
  if (period_ms < 1000) {
    return make_error(ErrorCode::kInvalidArgument,
                      "schedules: --n / --rate must be at least 1 s (every ≥ 1s)");
  }
  ctx.err << "schedules: " << o.n << " schedules every " << period_ms << " ms, " << rate << " fires/s, for "
          << o.duration_s << " s; then SIGKILL and restart\n";
  nlohmann::json report = {{"scenario", "schedules"}, {"n", o.n}, {"rate", rate}};
  double rss_empty = ctx.server.rss_mb().value_or(0);

  // 1. Create.
  size_t created = 0, failed = 0;
  int64_t t0 = now_us();
  closed_loop(
      ctx.server.port(), o.concurrency, o.n,
      [&](size_t i) {
        nlohmann::json body = {
            {"id", schedule_id(i)},
            {"every", std::to_string(period_ms) + "ms"},
            {"start_at", static_cast<int64_t>(static_cast<double>(i) * 1000.0 / rate)},
            {"overlap", "allow"},
            {"action", {{"task", {{"queue", kScheduleQueue}, {"payload", {{"schedule", i}}}}}}}};
        return json_request("POST", "/api/v1/schedules", body.dump());
      },
      [&](size_t, const Answer& a) { a.status == 201 ? ++created : ++failed; });
  double create_s = static_cast<double>(now_us() - t0) / 1e6;
  report["created"] = created;
  report["creates_per_s"] = static_cast<double>(created) / create_s;
  double rss_created = ctx.server.rss_mb().value_or(0);
  report["rss_with_schedules_mb"] = rss_created;
  report["rss_per_schedule_bytes"] =
      o.n == 0 ? 0.0 : (rss_created - rss_empty) * 1024 * 1024 / static_cast<double>(o.n);

  // 2. Fire for the duration (after one second for the creates' own fires
  // to settle).
  ::usleep(1'000'000);
  SUNDIAL_ASSIGN_OR_RETURN(size_t made_before, tasks_made(ctx.api));
  int64_t from = wall_clock_ms();
  double rss_peak = 0;
  while (static_cast<double>(wall_clock_ms() - from) / 1000.0 < o.duration_s) {
    ::usleep(250'000);
    rss_peak = std::max(rss_peak, ctx.server.rss_mb().value_or(0));
  }
  int64_t to = wall_clock_ms();
  SUNDIAL_ASSIGN_OR_RETURN(size_t made_after, tasks_made(ctx.api));
  report["fires_per_s"] =
      static_cast<double>(made_after - made_before) * 1000.0 / static_cast<double>(to - from);
  report["rss_firing_mb"] = rss_peak;
  // Fires due by `to` are done a moment later; read the logs after that.
  ::usleep(500'000);
  RunLogCheck check = check_run_logs(ctx.server.port(), o.n, rate, period_ms, from, to - 100);
  report["lateness_samples"] = check.lateness_ms.size();
  add_lateness(report, check.lateness_ms);

  // 3. Restart.
  if (ctx.server.owned()) {
    SUNDIAL_ASSIGN_OR_RETURN(Restarted restarted, kill_and_wait_ready(ctx.server));
    report["restart_to_ready_ms"] = restarted.to_ready_ms;
    // One full period after the restart every schedule has fired again.
    int64_t until = wall_clock_ms() + period_ms;
    double rss_restart_peak = 0;
    while (wall_clock_ms() < until) {
      rss_restart_peak = std::max(rss_restart_peak, ctx.server.rss_mb().value_or(0));
      ::usleep(250'000);
    }
    report["rss_after_restart_mb"] = ctx.server.rss_mb().value_or(0);
    report["rss_after_restart_peak_mb"] = rss_restart_peak;
  }
  report["missing"] = check.missing + failed;
  report["duplicates"] = check.duplicates;
  report["errors"] = check.read_errors;
  return report;
}

}  // namespace sundial::bench
