// The `tasks` scenario (issue 14): task queues end to end.
//  1. Optionally M tasks pre-loaded in a queue no worker reads (batch
//     enqueue), and sundiald's RSS with them pending.
//  2. Throughput: N tasks enqueued in batches of 1,000 while W workers
//     (TaskWorker, tools/workers/cpp/, one thread each) claim up to `max`
//     per long-poll claim and complete each task at once: full round trips
//     (enqueue + claim + complete, each fsync'd before its answer) per
//     second, from the first enqueue sent to the last completion answered.
//     Every task must complete exactly once.
//  3. Claim latency with a worker already waiting: a claim (max 1) is
//     parked (the queue's waiting_claims shows it), then one task is
//     enqueued; the time from sending the enqueue to the claim's answer.
//     Repeated `samples` times.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "tools/bench/load_client.h"
#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"
#include "tools/workers/cpp/task_worker.h"

namespace sundial::bench {

namespace {

constexpr size_t kBatch = 1000;         // tasks per enqueue request (the API's maximum)
constexpr size_t kEnqueueInFlight = 4;  // enqueue batches in flight
constexpr const char* kQueue = "bench-tasks";
constexpr const char* kLatencyQueue = "bench-latency";
constexpr const char* kPendingQueue = "bench-pending";

struct Enqueued {
  std::vector<std::string> ids;
  size_t failed = 0;  // tasks in batches not acknowledged
  double seconds = 0;
};

// N tasks in batches of kBatch, kEnqueueInFlight batches in flight.
Enqueued enqueue_all(int port, const std::string& queue, size_t n, size_t keys) {
  Enqueued out;
  out.ids.reserve(n);
  LoadClient client(port, kEnqueueInFlight);
  int64_t t0 = now_us();
  size_t submitted = 0;
  while (submitted < n || client.in_flight() > 0) {
    while (submitted < n && client.in_flight() < kEnqueueInFlight) {
      size_t count = std::min(kBatch, n - submitted);
      std::vector<nlohmann::json> specs;
      specs.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        nlohmann::json spec{{"payload", {{"i", submitted + i}}}};
        if (keys > 0) spec["concurrency"] = {{"key", "k" + std::to_string((submitted + i) % keys)}};
        specs.push_back(std::move(spec));
      }
      submitted += count;
      client.submit(worker::enqueue_batch_request(queue, specs, std::nullopt), now_us(),
                    [&out, count](Answer a) {
                      auto ids = worker::parse_enqueue_batch(a.status, a.body);
                      if (!ids || ids->size() != count) {
                        out.failed += count;
                        return;
                      }
                      out.ids.insert(out.ids.end(), ids->begin(), ids->end());
                    });
    }
    client.pump(std::chrono::milliseconds(10));
    if (!client.ok() && client.in_flight() == 0) {
      out.failed += n - submitted;
      break;
    }
  }
  out.seconds = static_cast<double>(now_us() - t0) / 1e6;
  return out;
}

// The view of `queue` in GET /api/v1/queues, or null.
Result<nlohmann::json> queue_view(ApiClient& api, const std::string& queue) {
  SUNDIAL_ASSIGN_OR_RETURN(auto all, get_json(api, "/api/v1/queues"));
  for (const auto& q : all["queues"]) {
    if (q.value("queue", "") == queue) return q;
  }
  return nlohmann::json(nullptr);
}

struct WorkerResult {
  worker::WorkerStats stats;
  std::vector<std::string> completed;  // task ids answered 200
  std::vector<double> claim_ms;        // claims that brought tasks: send to answer
};

struct Throughput {
  Enqueued enqueued;
  std::vector<WorkerResult> workers;
  double seconds = 0;  // first enqueue sent to last completion answered
};

Throughput run_throughput(Context& ctx, size_t n) {
  const auto& o = ctx.options;
  Throughput t;
  t.workers.resize(o.workers);
  std::atomic<bool> stop{false};
  std::atomic<size_t> completed{0};
  std::atomic<int64_t> last_completion_us{0};
  std::vector<std::thread> threads;
  std::atomic<size_t> ready{0};
  std::atomic<size_t> ended{0};  // workers whose run() returned (a lost connection ends one early)
  for (size_t w = 0; w < o.workers; ++w) {
    threads.emplace_back([&, w] {
      WorkerResult& r = t.workers[w];
      worker::WorkerOptions wo;
      wo.port = ctx.server.port();
      wo.queue = kQueue;
      wo.name = "bench-" + std::to_string(w);
      wo.max = static_cast<uint32_t>(o.claim_max);
      wo.wait = o.claim_wait;
      wo.max_outstanding = 4 * o.claim_max;
      wo.batch_completions = o.batch_completions;
      worker::TaskWorker tw(wo, [](const worker::ClaimedTask&, worker::TaskWorker::Finish finish) {
        finish(worker::Outcome::success());
      });
      tw.observe_claims([&r](size_t tasks, int64_t us) {
        if (tasks > 0) r.claim_ms.push_back(static_cast<double>(us) / 1000.0);
      });
      tw.observe_outcomes([&](const std::string& id, int status) {
        if (status != 200) return;
        r.completed.push_back(id);
        completed.fetch_add(1, std::memory_order_relaxed);
        last_completion_us.store(now_us(), std::memory_order_relaxed);
      });
      ready.fetch_add(1);
      tw.run(stop);
      r.stats = tw.stats();
      ended.fetch_add(1);
    });
  }
  while (ready.load() < o.workers) std::this_thread::yield();
  int64_t t0 = now_us();
  t.enqueued = enqueue_all(ctx.server.port(), kQueue, n, o.task_keys);
  int64_t deadline = now_us() + 600'000'000;
  while (completed.load() < t.enqueued.ids.size() && ended.load() == 0 && now_us() < deadline) ::usleep(1000);
  t.seconds = static_cast<double>(last_completion_us.load() - t0) / 1e6;
  stop = true;
  for (auto& th : threads) th.join();
  return t;
}

struct Latency {
  std::vector<double> claim_ms;    // enqueue sent → parked claim answered
  std::vector<double> enqueue_ms;  // enqueue sent → enqueue answered
  size_t errors = 0;
  std::string first_error;
};

Latency run_latency_samples(Context& ctx, size_t samples) {
  Latency out;
  LoadClient client(ctx.server.port(), 2);  // 0: the claim, 1: enqueue and complete
  auto fail = [&out](std::string what) {
    if (out.first_error.empty()) out.first_error = std::move(what);
    ++out.errors;
  };
  // Waits for `done` (pumping), at most 10 s.
  auto wait_for = [&client](const bool& done) {
    int64_t deadline = now_us() + 10'000'000;
    while (!done && client.ok() && now_us() < deadline) client.pump(std::chrono::milliseconds(5));
    return done;
  };
  worker::ClaimOptions claim;
  claim.worker = "bench-latency";
  claim.max = 1;
  claim.wait = "5s";
  for (size_t i = 0; i <= samples && client.ok(); ++i) {  // sample 0 creates the queue and warms up
    std::optional<worker::ClaimedTask> got;
    bool claim_done = false, enqueue_done = false;
    int64_t sent = 0, claimed_at = 0, enqueued_at = 0;
    if (i > 0) {
      client.submit(
          worker::claim_request(kLatencyQueue, claim, std::nullopt), now_us(),
          [&](Answer a) {
            claim_done = true;
            claimed_at = now_us();
            auto tasks = worker::parse_claim(a.status, a.body);
            if (tasks && tasks->size() == 1) got = std::move(tasks->front());
          },
          0, 1);
      client.pump(std::chrono::microseconds(0));
      // Parked: the server counts the claim as waiting.
      bool parked = false;
      for (int tries = 0; tries < 2000 && !parked; ++tries) {
        auto q = queue_view(ctx.api, kLatencyQueue);
        parked = q && q->is_object() && q->value("waiting_claims", 0) >= 1;
        if (!parked) client.pump(std::chrono::microseconds(500));
      }
      if (!parked) {
        fail("the claim was never seen waiting");
        break;
      }
    }
    sent = now_us();
    client.submit(
        worker::enqueue_request(kLatencyQueue, {{"payload", {{"sample", i}}}}, std::nullopt), sent,
        [&](Answer a) {
          enqueue_done = true;
          enqueued_at = now_us();
          if (a.status != 201) fail("enqueue answered " + std::to_string(a.status));
        },
        1, 2);
    if (i == 0) {
      wait_for(enqueue_done);
      claim.wait = "0s";
      client.submit(
          worker::claim_request(kLatencyQueue, claim, std::nullopt), now_us(),
          [&](Answer a) {
            claim_done = true;
            auto tasks = worker::parse_claim(a.status, a.body);
            if (tasks && tasks->size() == 1) got = std::move(tasks->front());
          },
          0, 1);
      claim.wait = "5s";
    }
    if (!wait_for(claim_done) || !wait_for(enqueue_done) || !got) {
      fail("a claim did not receive its task");
      continue;
    }
    if (i > 0) {
      out.claim_ms.push_back(static_cast<double>(claimed_at - sent) / 1000.0);
      out.enqueue_ms.push_back(static_cast<double>(enqueued_at - sent) / 1000.0);
    }
    bool completed = false;
    client.submit(
        worker::complete_request(got->task_id, got->lease, nullptr, std::nullopt), now_us(),
        [&](Answer a) {
          completed = true;
          if (a.status != 200) fail("complete answered " + std::to_string(a.status));
        },
        1, 2);
    wait_for(completed);
  }
  return out;
}

}  // namespace

Result<nlohmann::json> run_tasks(Context& ctx) {
  const auto& o = ctx.options;
  nlohmann::json report = {{"scenario", "tasks"},
                           {"n", o.n},
                           {"workers", o.workers},
                           {"task_keys", o.task_keys},
                           {"claim_max", o.claim_max},
                           {"claim_wait", o.claim_wait},
                           {"preload", o.preload},
                           {"completions", o.batch_completions ? "batched" : "each"}};
  size_t missing = 0, duplicates = 0, errors = 0;

  if (o.preload > 0) {
    ctx.err << "tasks: pre-loading " << o.preload << " pending tasks\n";
    Enqueued pre = enqueue_all(ctx.server.port(), kPendingQueue, o.preload, 0);
    report["preload_enqueued_per_s"] = static_cast<double>(pre.ids.size()) / pre.seconds;
    if (auto rss = ctx.server.rss_mb()) report["rss_with_pending_mb"] = *rss;
    SUNDIAL_ASSIGN_OR_RETURN(auto q, queue_view(ctx.api, kPendingQueue));
    size_t pending = q.is_object() ? q.value("pending", size_t{0}) : 0;
    missing += o.preload - std::min(o.preload, pending);
  }

  ctx.err << "tasks: " << o.n << " tasks, " << o.workers << " workers claiming up to " << o.claim_max
          << " (wait " << o.claim_wait << ")\n";
  std::optional<double> cpu0 = ctx.server.cpu_seconds();
  Throughput t = run_throughput(ctx, o.n);
  std::optional<double> cpu1 = ctx.server.cpu_seconds();
  size_t done = t.enqueued.ids.size();
  report["enqueued_per_s"] = static_cast<double>(done) / t.enqueued.seconds;
  report["round_trips_per_s"] = t.seconds > 0 ? static_cast<double>(done) / t.seconds : 0.0;
  report["seconds"] = t.seconds;
  if (cpu0 && cpu1 && done > 0)
    report["server_cpu_us_per_task"] = (*cpu1 - *cpu0) * 1e6 / static_cast<double>(done);
  uint64_t claims = 0, conflicts = 0;
  std::vector<double> claim_ms;
  std::unordered_map<std::string, int> seen;
  seen.reserve(done);
  for (const auto& id : t.enqueued.ids) seen[id] = 0;
  for (auto& w : t.workers) {
    claims += w.stats.claims;
    conflicts += w.stats.conflicts;
    errors += w.stats.errors;
    if (w.stats.last_error) ctx.err << "tasks: worker error: " << w.stats.last_error->message << "\n";
    claim_ms.insert(claim_ms.end(), w.claim_ms.begin(), w.claim_ms.end());
    for (const auto& id : w.completed) {
      auto it = seen.find(id);
      if (it == seen.end() || ++it->second > 1) ++duplicates;
    }
  }
  for (const auto& [id, count] : seen) missing += count == 0;
  missing += t.enqueued.failed;
  report["claims"] = claims;
  report["tasks_per_claim"] = claims ? static_cast<double>(done) / static_cast<double>(claims) : 0.0;
  if (!claim_ms.empty()) {
    report["busy_claim_p50_ms"] = percentile(claim_ms, 0.50);
    report["busy_claim_p99_ms"] = percentile(claim_ms, 0.99);
  }
  report["conflicts"] = conflicts;
  // The server's own count agrees: all completed, none left.
  SUNDIAL_ASSIGN_OR_RETURN(auto q, queue_view(ctx.api, kQueue));
  if (q.is_object()) {
    size_t server_completed = q.value("completed", size_t{0});
    if (server_completed < done) missing = std::max(missing, done - server_completed);
    if (q.value("pending", 0) != 0 || q.value("running", 0) != 0) ++errors;
  }

  if (o.samples > 0) {
    ctx.err << "tasks: claim latency with a worker waiting, " << o.samples << " samples\n";
    Latency l = run_latency_samples(ctx, o.samples);
    if (!l.first_error.empty()) ctx.err << "tasks: latency: " << l.first_error << "\n";
    errors += l.errors;
    report["waiting_claim_samples"] = l.claim_ms.size();
    if (!l.claim_ms.empty()) {
      report["waiting_claim_p50_ms"] = percentile(l.claim_ms, 0.50);
      report["waiting_claim_p99_ms"] = percentile(l.claim_ms, 0.99);
      report["waiting_claim_max_ms"] = l.claim_ms.back();
      report["enqueue_ack_p50_ms"] = percentile(l.enqueue_ms, 0.50);
      report["enqueue_ack_p99_ms"] = percentile(l.enqueue_ms, 0.99);
    }
  }
  if (auto rss = ctx.server.rss_mb()) report["server_rss_mb"] = *rss;
  report["missing"] = missing;
  report["duplicates"] = duplicates;
  report["errors"] = errors;
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
