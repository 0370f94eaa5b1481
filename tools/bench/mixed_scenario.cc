// The `mixed` scenario: N instances preloaded (waiting on far-future
// timers), then, for S seconds on one client thread and separate
// connections: starts open loop at R/s (C connections), one connection
// paging GET /api/v1/instances?limit=1000 back to back (following
// next_cursor, wrapping to the start), and one probing GET /healthz at
// 50/s open loop. What an admin listing costs everyone else.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "tools/bench/load_client.h"
#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

namespace {

constexpr double kHealthzPerSecond = 50;
constexpr int64_t kFarFutureMs = 30LL * 86'400'000;

// The page's next_cursor, read from the end of the body without parsing
// the page: parsing 1,000 instances takes this thread milliseconds, which
// would delay the starts it schedules. nullopt when it is null (the last
// page); "" when the body has none (a broken answer).
std::optional<std::string> next_cursor(const std::string& body) {
  static constexpr std::string_view kKey = "\"next_cursor\":";
  size_t at = body.rfind(kKey);
  if (at == std::string::npos) return "";
  std::string_view rest = std::string_view(body).substr(at + kKey.size());
  if (rest.starts_with("null")) return std::nullopt;
  // A cursor is hex: no escapes inside the quotes.
  size_t close = rest.find('"', 1);
  if (!rest.starts_with('"') || close == std::string_view::npos) return "";
  return std::string(rest.substr(1, close - 1));
}

// Instances on a page: one "id" key each (records carry no other "id").
size_t count_instances(const std::string& body) {
  size_t n = 0;
  for (size_t at = body.find("\"id\":"); at != std::string::npos; at = body.find("\"id\":", at + 5)) ++n;
  return n;
}

struct ListStream {
  std::string cursor;  // "" = from the start
  bool busy = false;
  size_t pages = 0;
  size_t failed = 0;
  size_t wraps = 0;                                    // complete passes over all instances
  size_t seen = 0;                                     // instances in the current pass
  size_t fewest = std::numeric_limits<size_t>::max();  // instances in the smallest complete pass
  std::vector<double> latencies_ms;
};

}  // namespace

Result<nlohmann::json> run_mixed(Context& ctx) {
  const auto& o = ctx.options;
  const int port = ctx.server.port();
  ctx.err << "mixed: preloading " << o.n << " waiting instances\n";
  StartRun pre = start_closed_loop(port, o.concurrency, run_prefix("mixed-pre"), o.n, "bench.sleep_step",
                                   {{"sleep_ms", kFarFutureMs}});
  ctx.err << "mixed: " << o.rate << " starts/s open loop for " << o.duration_s
          << " s, one client paging the list, /healthz at " << kHealthzPerSecond << "/s\n";

  const size_t start_conns = o.concurrency;
  const size_t list_conn = start_conns;
  const size_t health_conn = start_conns + 1;
  LoadClient client(port, start_conns + 2);
  StartRun run;
  ListStream list;
  std::vector<double> health_ms;
  size_t health_failed = 0;
  const std::string prefix = run_prefix("mixed");
  const nlohmann::json input = {{"sleep_ms", o.sleep_ms}};
  const size_t total = static_cast<size_t>(o.rate * o.duration_s);
  const size_t health_total = static_cast<size_t>(kHealthzPerSecond * o.duration_s);
  size_t submitted = 0, health_submitted = 0;
  auto start_at = [&](size_t i) { return static_cast<int64_t>(static_cast<double>(i) * 1e6 / o.rate); };
  auto health_at = [&](size_t i) {
    return static_cast<int64_t>(static_cast<double>(i) * 1e6 / kHealthzPerSecond);
  };

  const int64_t t0 = now_us();
  const int64_t t_end = t0 + static_cast<int64_t>(o.duration_s * 1e6);
  while (submitted < total || health_submitted < health_total || client.in_flight() > 0) {
    int64_t now = now_us();
    for (; submitted < total && t0 + start_at(submitted) <= now; ++submitted) {
      std::string id = prefix + std::to_string(submitted);
      client.submit(
          start_request("bench.sleep_step", start_body(id, input)), t0 + start_at(submitted),
          [&run, id](Answer a) {
            if (a.status == 201 || a.status == 200) {
              run.ids.push_back(id);
              run.latencies_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
            } else {
              ++run.failed;
            }
          },
          0, start_conns);
    }
    for (; health_submitted < health_total && t0 + health_at(health_submitted) <= now; ++health_submitted) {
      client.submit(
          get_request("/healthz"), t0 + health_at(health_submitted),
          [&](Answer a) {
            if (a.status == 200) {
              health_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
            } else {
              ++health_failed;
            }
          },
          health_conn, health_conn + 1);
    }
    if (!list.busy && now < t_end) {
      list.busy = true;
      std::string path =
          "/api/v1/instances?limit=1000" + (list.cursor.empty() ? "" : "&cursor=" + list.cursor);
      client.submit(
          get_request(path), now,
          [&list](Answer a) {
            list.busy = false;
            std::optional<std::string> cursor = a.status == 200 ? next_cursor(a.body) : "";
            if (cursor && cursor->empty()) {  // a failed page: start the pass again
              ++list.failed;
              list.cursor.clear();
              list.seen = 0;
              return;
            }
            ++list.pages;
            list.latencies_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
            list.seen += count_instances(a.body);
            if (cursor) {
              list.cursor = *cursor;
              return;
            }
            ++list.wraps;
            list.fewest = std::min(list.fewest, list.seen);
            list.seen = 0;
            list.cursor.clear();
          },
          list_conn, list_conn + 1);
    }
    int64_t next = now + 10'000;
    if (submitted < total) next = std::min(next, t0 + start_at(submitted));
    if (health_submitted < health_total) next = std::min(next, t0 + health_at(health_submitted));
    client.pump(std::chrono::microseconds(std::clamp<int64_t>(next - now_us(), 0, 10'000)));
    if (!client.ok() && client.in_flight() == 0) break;
  }
  double seconds = static_cast<double>(now_us() - t0) / 1e6;

  nlohmann::json report = {{"scenario", "mixed"},
                           {"n", o.n},
                           {"preload_starts_per_s", static_cast<double>(pre.ids.size()) / pre.seconds},
                           {"rate", o.rate},
                           {"starts", total},
                           {"failed", run.failed},
                           {"starts_per_s", static_cast<double>(run.ids.size()) / seconds}};
  add_latencies(report, run.latencies_ms);
  if (!health_ms.empty()) {
    report["healthz_p50_ms"] = percentile(health_ms, 0.50);
    report["healthz_p99_ms"] = percentile(health_ms, 0.99);
  }
  report["list_pages"] = list.pages;
  report["list_pages_per_s"] = static_cast<double>(list.pages) / seconds;
  if (!list.latencies_ms.empty()) {
    report["list_page_p50_ms"] = percentile(list.latencies_ms, 0.50);
    report["list_page_p99_ms"] = percentile(list.latencies_ms, 0.99);
  }
  report["list_wraps"] = list.wraps;
  // A list page or /healthz that did not answer 200 (or no page at all) is
  // an error of the server, not a slow answer.
  report["errors"] = list.failed + health_failed + (list.pages == 0 ? 1 : 0);

  // Correctness: every preloaded instance still waiting and in every full
  // pass of the list; every start of the window acknowledged, completed,
  // no step twice.
  SUNDIAL_ASSIGN_OR_RETURN(double waited, wait_for_status(ctx.api, "completed", run.ids.size(), 600));
  (void)waited;
  JournalCheck check = check_journals(port, 8, run.ids, true);
  SUNDIAL_ASSIGN_OR_RETURN(auto stats, get_json(ctx.api, "/api/v1/stats"));
  size_t waiting = stats["instances"].value("waiting", size_t{0});
  size_t missing = (o.n - pre.ids.size()) + (total - run.ids.size()) + check.missing;
  if (waiting < pre.ids.size()) missing += pre.ids.size() - waiting;
  if (list.wraps > 0 && list.fewest < pre.ids.size()) missing += pre.ids.size() - list.fewest;
  report["missing"] = missing;
  report["duplicates"] = check.duplicates;
  add_lateness(report, check.lateness_ms);
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
