// What the scenarios (scenarios.cc, probe_scenario.cc, mixed_scenario.cc)
// share: closed- and open-loop starts, waiting on /api/v1/stats, the
// journal check (missing instances, duplicated steps, timer lateness) and
// the report fields every scenario fills the same way.
//
// Threading: one thread (the bench's). Each call makes its own LoadClient.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "tools/bench/load_client.h"
#include "tools/bench/server_process.h"
#include "tools/common/api_client.h"

namespace sundial::bench {

struct StartRun {
  std::vector<std::string> ids;  // acknowledged
  std::vector<double> latencies_ms;
  double seconds = 0;
  size_t failed = 0;
};

// The body of a start: {"id": id, "input": input}, plus `extra`'s fields.
std::string start_body(const std::string& id, const nlohmann::json& input,
                       const nlohmann::json& extra = nlohmann::json::object());

// Fields a closed loop adds to start number i (a concurrency key).
using StartExtra = std::function<nlohmann::json(size_t i)>;

// N requests (request_of(i)) as fast as possible with `concurrency` in
// flight; on_answer(i, answer) for each (status 0: the connection failed).
void closed_loop(int port, size_t concurrency, size_t n, const std::function<std::string(size_t)>& request_of,
                 const std::function<void(size_t, const Answer&)>& on_answer);

// N starts as fast as possible with `concurrency` requests in flight.
StartRun start_closed_loop(int port, size_t concurrency, const std::string& prefix, size_t n,
                           const std::string& type, const nlohmann::json& input,
                           const StartExtra& extra = {});
// At `rate` per second for `seconds`, latency from each request's scheduled time.
StartRun start_open_loop(int port, size_t connections, double rate, double seconds, const std::string& prefix,
                         const std::string& type, const nlohmann::json& input);

Result<nlohmann::json> get_json(ApiClient& api, const std::string& path);

// Waits until at least `count` instances have `status`; the seconds waited.
Result<double> wait_for_status(ApiClient& api, const std::string& status, size_t count, double timeout_s);

struct JournalCheck {
  size_t missing = 0;
  size_t duplicates = 0;
  std::vector<double> lateness_ms;
};

// Reads every instance's journal: missing (no history or not completed),
// duplicated steps, and timer lateness (fired at − due).
JournalCheck check_journals(int port, size_t connections, const std::vector<std::string>& ids,
                            bool expect_completed);

// ack_p50_ms, ack_p99_ms, ack_p999_ms.
void add_latencies(nlohmann::json& report, std::vector<double>& ms);
// lateness_p50_ms, lateness_p99_ms, lateness_max_ms.
void add_lateness(nlohmann::json& report, std::vector<double>& ms);
// server_peak_rss_mb, when the bench started the server.
void add_rss(nlohmann::json& report, const ServerProcess& server);

// SIGKILLs the bench's sundiald, starts it again on the same data and
// waits (up to 60 s) for /readyz to answer 200.
struct Restarted {
  double to_port_ms = 0;    // kill → the new process announced its port
  double to_ready_ms = -1;  // kill → /readyz 200 (-1: not within 60 s)
};
Result<Restarted> kill_and_wait_ready(ServerProcess& server);

// A prefix for instance ids unique to this run: "<scenario>-<time>-".
std::string run_prefix(const std::string& scenario);

}  // namespace sundial::bench
