// TaskWorker: the C++ reference worker for Sundial's task queues
// (docs/tasks.md). It long-polls claims of up to `max` tasks on one
// keep-alive connection, hands each task to the handler, and sends the
// handler's outcome (complete or fail) pipelined over other keep-alive
// connections, claiming again while earlier tasks finish, so many tasks
// are in flight at once. Tasks the handler has not finished are
// heartbeated at half their lease. sundial-bench's `tasks` scenario and the
// tests use it; tools/workers/python/ is the stdlib-only twin for users.
//
// Built on the bench's LoadClient (tools/bench/load_client.h: poll() on one
// thread, raw HTTP/1.1 on loopback): no curl, no loop of its own.
//
// Threading: one thread; the handler and the Finish it is given run (and
// must be called) on the thread that calls pump()/run(). Ownership: owns
// its connections and the tasks in flight. A connection that fails ends
// the worker's claims (ok() false; calls in flight on it count as errors):
// make a new worker to reconnect.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/bench/load_client.h"
#include "tools/workers/cpp/task_protocol.h"

namespace sundial::worker {

struct WorkerOptions {
  int port = 0;  // sundiald on 127.0.0.1
  std::string queue;
  std::string name = "cpp-worker";
  std::optional<std::string> token;  // SUNDIAL_WORKER_TOKEN (or the admin token)
  uint32_t max = 100;                // tasks per claim
  std::string wait = "5s";           // long-poll wait per claim
  std::vector<std::string> types;    // claim only these types (empty: any)
  // Tasks claimed and not yet finished (their outcome acknowledged); a
  // claim asks for min(max, limit - outstanding).
  size_t max_outstanding = 400;
  size_t call_connections = 2;  // for complete, fail, heartbeat
  // Successful outcomes reached during one pump() go out together, up to
  // 1,000 and about 256 KiB per request (POST /api/v1/tasks:complete); a
  // batch refused as a whole (4xx) is sent again one by one. false: one
  // request per task (POST /api/v1/tasks/{id}/complete).
  bool batch_completions = true;
  // After a claim that failed (not a conflict): wait before the next one.
  std::chrono::milliseconds retry_delay{200};
};

// What the handler decided for a task.
struct Outcome {
  bool ok = true;
  nlohmann::json result;  // for ok
  std::string error;      // for a failure
  bool retryable = true;
  std::optional<std::string> retry_after;  // a duration; none: the task's backoff

  static Outcome success(nlohmann::json result = nullptr) {
    return Outcome{true, std::move(result), {}, true, {}};
  }
  static Outcome failure(std::string error, bool retryable = true,
                         std::optional<std::string> retry_after = {}) {
    return Outcome{false, nullptr, std::move(error), retryable, std::move(retry_after)};
  }
};

struct WorkerStats {
  uint64_t claims = 0;      // claim requests answered 200
  uint64_t claimed = 0;     // tasks received
  uint64_t completed = 0;   // complete calls answered 200
  uint64_t failed = 0;      // fail calls answered 200
  uint64_t heartbeats = 0;  // heartbeats answered 200
  uint64_t conflicts = 0;   // 409: the lease was stale (the task went to another worker)
  uint64_t errors = 0;      // other refusals and failed connections
  std::optional<CallError> last_error;
};

class TaskWorker {
 public:
  // Finish the task once (on the worker's thread, now or later, and before
  // the worker is destroyed); later calls are ignored.
  using Finish = std::function<void(Outcome)>;
  using Handler = std::function<void(const ClaimedTask&, Finish)>;
  // Called on each claim answer with its tasks (possibly none) and the
  // time from sending the claim to its answer: for measurements.
  using ClaimObserver = std::function<void(size_t tasks, int64_t latency_us)>;

  TaskWorker(WorkerOptions options, Handler handler);
  TaskWorker(const TaskWorker&) = delete;
  TaskWorker& operator=(const TaskWorker&) = delete;

  // Called on each complete or fail answer with the task and the HTTP
  // status (200, 409 for a stale lease, 0 for a failed connection).
  using OutcomeObserver = std::function<void(const std::string& task_id, int status)>;

  void observe_claims(ClaimObserver observer) { observer_ = std::move(observer); }
  void observe_outcomes(OutcomeObserver observer) { outcome_observer_ = std::move(observer); }

  // Sends what is due (a claim when there is room, heartbeats, outcomes)
  // and handles answers for up to `timeout`.
  void pump(std::chrono::microseconds timeout);
  // pump() until `stop` is set, then drain (stop_claiming, finish what is
  // in flight) for at most `drain`.
  void run(const std::atomic<bool>& stop, std::chrono::milliseconds drain = std::chrono::seconds(10));
  // No new claims; a claim already waiting is answered when its wait ends.
  void stop_claiming() { claiming_ = false; }
  // No task claimed and unfinished, and no call unanswered but a claim
  // that may be waiting (a worker destroyed then closes that claim's
  // connection; the server leases nothing to a claim whose client left).
  bool idle() const { return tasks_.empty() && client_.in_flight() <= (claim_in_flight_ ? 1u : 0u); }
  bool ok() const { return client_.ok(); }
  const WorkerStats& stats() const { return stats_; }
  size_t outstanding() const { return tasks_.size(); }

 private:
  struct InFlight {
    ClaimedTask task;
    int64_t lease_ms = 0;           // the lease's length, as first granted
    int64_t next_heartbeat_us = 0;  // steady clock
    bool finished = false;          // the handler's outcome is sent
    bool heartbeat_in_flight = false;
  };

  void claim();
  void on_claim(const bench::Answer& answer, int64_t sent_us);
  void start(ClaimedTask task);
  void finish(const std::string& task_id, Outcome outcome);
  void send_completions();
  void send_one_completion(Completion c);
  // One outcome's answer: `status` is the HTTP status of its own call or
  // what the batch answered for it (0: no answer).
  void outcome_answered(const std::string& task_id, const std::string& lease, bool ok, int status,
                        const std::expected<std::string, CallError>& answer);
  void heartbeat_due();
  void error(CallError e);
  void call(std::string request, std::function<void(bench::Answer)> on_answer);

  WorkerOptions options_;
  Handler handler_;
  ClaimObserver observer_;
  OutcomeObserver outcome_observer_;
  bench::LoadClient client_;
  std::unordered_map<std::string, InFlight> tasks_;
  std::vector<Completion> to_complete_;  // finished, not yet sent (batch_completions)
  WorkerStats stats_;
  bool claiming_ = true;
  bool claim_in_flight_ = false;
  int64_t next_claim_us_ = 0;
  int64_t next_heartbeat_scan_us_ = 0;
};

}  // namespace sundial::worker
