#include "tools/bench/scenario_support.h"

#include <unistd.h>

#include <algorithm>
#include <map>

#include "tools/bench/load_client.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

std::string start_body(const std::string& id, const nlohmann::json& input, const nlohmann::json& extra) {
  nlohmann::json body = {{"id", id}, {"input", input}};
  body.update(extra);
  return body.dump();
}

void closed_loop(int port, size_t concurrency, size_t n, const std::function<std::string(size_t)>& request_of,
                 const std::function<void(size_t, const Answer&)>& on_answer) {
  LoadClient client(port, std::min(concurrency, n == 0 ? size_t{1} : n));
  size_t submitted = 0;
  while (submitted < n || client.in_flight() > 0) {
    while (submitted < n && client.in_flight() < concurrency) {
      size_t i = submitted++;
      client.submit(request_of(i), now_us(), [&on_answer, i](Answer a) { on_answer(i, a); });
    }
    client.pump(std::chrono::milliseconds(10));
    if (!client.ok() && client.in_flight() == 0) {
      for (; submitted < n; ++submitted) on_answer(submitted, Answer{});
      break;
    }
  }
}

// As fast as possible with `concurrency` requests in flight.
StartRun start_closed_loop(int port, size_t concurrency, const std::string& prefix, size_t n,
                           const std::string& type, const nlohmann::json& input, const StartExtra& extra) {
  StartRun run;
  int64_t t0 = now_us();
  closed_loop(
      port, concurrency, n,
      [&](size_t i) {
        std::string id = prefix + std::to_string(i);
        return start_request(type, extra ? start_body(id, input, extra(i)) : start_body(id, input));
      },
      [&](size_t i, const Answer& a) {
        if (a.status == 201 || a.status == 200) {
          run.ids.push_back(prefix + std::to_string(i));
          run.latencies_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
        } else {
          ++run.failed;
        }
      });
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
    int64_t next = submitted < total ? t0 + static_cast<int64_t>(static_cast<double>(submitted) * 1e6 / rate)
                                     : now + 10000;
    client.pump(std::chrono::microseconds(std::clamp<int64_t>(next - now_us(), 0, 10'000)));
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
    if (stats["instances"].value(status, uint64_t{0}) >= count)
      return static_cast<double>(now_us() - t0) / 1e6;
    ::usleep(20000);
  }
  return make_error(ErrorCode::kUnavailable, "instances did not reach '" + status + "' in time");
}

// Reads every instance's journal: missing (no history or not completed),
// duplicated steps, and timer lateness (fired at − due).
JournalCheck check_journals(int port, size_t connections, const std::vector<std::string>& ids,
                            bool expect_completed) {
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
        if (event == "timer_fired" && due > 0)
          check.lateness_ms.push_back(static_cast<double>(e.value("at", int64_t{0}) - due));
        if (event == "step_completed") ++completed_steps[e.value("step", "")];
        if (event == "completed") done = true;
      }
      for (const auto& [step, n] : completed_steps) check.duplicates += n > 1;
      if (expect_completed && !done) ++check.missing;
    });
    while (client.in_flight() >= connections * 16) client.pump(std::chrono::milliseconds(10));
  }
  while (client.in_flight() > 0 && client.ok()) client.pump(std::chrono::milliseconds(10));
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

std::string run_prefix(const std::string& scenario) {
  return scenario + "-" + std::to_string(now_us() % 1000000000) + "-";
}

Result<Restarted> kill_and_wait_ready(ServerProcess& server) {
  if (!server.owned())
    return make_error(ErrorCode::kInvalidArgument, "a restart needs the bench's own sundiald");
  Restarted out;
  SUNDIAL_ASSIGN_OR_RETURN(out.to_port_ms, server.kill_and_restart());
  ApiClient api(server.url(), std::nullopt);
  int64_t t0 = now_us();
  while (static_cast<double>(now_us() - t0) / 1e6 < 60) {
    auto r = api.request("GET", "/readyz");
    if (r && r->status == 200) {
      out.to_ready_ms = out.to_port_ms + static_cast<double>(now_us() - t0) / 1000.0;
      break;
    }
    ::usleep(1000);
  }
  return out;
}

}  // namespace sundial::bench
