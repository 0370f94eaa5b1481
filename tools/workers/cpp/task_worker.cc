#include "tools/workers/cpp/task_worker.h"

#include <algorithm>

namespace sundial::worker {

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Heartbeat at half the lease, and never more often than every 100 ms.
int64_t heartbeat_in_us(int64_t lease_ms) { return std::max<int64_t>(100, lease_ms / 2) * 1000; }

}  // namespace

TaskWorker::TaskWorker(WorkerOptions options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      client_(options_.port, 1 + std::max<size_t>(1, options_.call_connections)) {}

void TaskWorker::call(std::string request, std::function<void(bench::Answer)> on_answer) {
  client_.submit(std::move(request), bench::now_us(), std::move(on_answer), 1);
}

void TaskWorker::error(CallError e) {
  ++stats_.errors;
  stats_.last_error = std::move(e);
}

void TaskWorker::claim() {
  if (!claiming_ || claim_in_flight_ || !client_.ok() || bench::now_us() < next_claim_us_) return;
  if (tasks_.size() >= options_.max_outstanding) return;
  ClaimOptions o;
  o.worker = options_.name;
  o.max = static_cast<uint32_t>(std::min<size_t>(options_.max, options_.max_outstanding - tasks_.size()));
  o.wait = options_.wait;
  o.types = options_.types;
  claim_in_flight_ = true;
  int64_t sent = bench::now_us();
  client_.submit(
      claim_request(options_.queue, o, options_.token), sent,
      [this, sent](bench::Answer a) { on_claim(a, sent); }, 0, 1);
}

void TaskWorker::on_claim(const bench::Answer& answer, int64_t sent_us) {
  claim_in_flight_ = false;
  auto tasks = parse_claim(answer.status, answer.body);
  if (!tasks) {
    error(tasks.error());
    next_claim_us_ = bench::now_us() + std::chrono::microseconds(options_.retry_delay).count();
    return;
  }
  ++stats_.claims;
  stats_.claimed += tasks->size();
  if (observer_) observer_(tasks->size(), bench::now_us() - sent_us);
  for (auto& t : *tasks) start(std::move(t));
}

void TaskWorker::start(ClaimedTask task) {
  std::string id = task.task_id;
  int64_t lease_ms = std::max<int64_t>(1, task.lease_expires_at - wall_ms());
  auto [it, fresh] = tasks_.try_emplace(id);
  if (!fresh) {
    // Redelivered while this worker still holds it (its lease expired
    // here): the newer lease is the one that counts.
    it->second = InFlight{};
  }
  it->second.task = std::move(task);
  it->second.lease_ms = lease_ms;
  it->second.next_heartbeat_us = bench::now_us() + heartbeat_in_us(lease_ms);
  const ClaimedTask& t = it->second.task;
  std::string lease = t.lease;
  handler_(t, [this, id, lease](Outcome outcome) {
    auto found = tasks_.find(id);
    if (found == tasks_.end() || found->second.finished || found->second.task.lease != lease) return;
    finish(id, std::move(outcome));
  });
}

void TaskWorker::finish(const std::string& task_id, Outcome outcome) {
  InFlight& f = tasks_.at(task_id);
  f.finished = true;
  if (outcome.ok && options_.batch_completions) {
    to_complete_.push_back(Completion{task_id, f.task.lease, std::move(outcome.result)});
    return;
  }
  std::string request = outcome.ok ? complete_request(task_id, f.task.lease, outcome.result, options_.token)
                                   : fail_request(task_id, f.task.lease, outcome.error, outcome.retryable,
                                                  outcome.retry_after, options_.token);
  std::string lease = f.task.lease;
  bool ok = outcome.ok;
  call(std::move(request), [this, task_id, lease, ok](bench::Answer a) {
    outcome_answered(task_id, lease, ok, a.status, parse_outcome(a.status, a.body));
  });
}

void TaskWorker::send_one_completion(Completion c) {
  std::string request = complete_request(c.task_id, c.lease, c.result, options_.token);
  call(std::move(request), [this, id = std::move(c.task_id), lease = std::move(c.lease)](bench::Answer a) {
    outcome_answered(id, lease, true, a.status, parse_outcome(a.status, a.body));
  });
}

void TaskWorker::send_completions() {
  constexpr size_t kMaxPerRequest = 1000;        // the route's limit
  constexpr size_t kMaxBatchBytes = 256 * 1024;  // well under the server's default 1 MiB body limit
  size_t next = 0;
  while (next < to_complete_.size()) {
    // As many as fit in kMaxBatchBytes (at least one).
    std::vector<Completion> batch;
    size_t bytes = 0;
    while (next < to_complete_.size() && batch.size() < kMaxPerRequest) {
      Completion& c = to_complete_[next];
      size_t size = c.task_id.size() + c.lease.size() + 48 +
                    (c.result.is_null()
                         ? 0
                         : c.result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size());
      if (!batch.empty() && bytes + size > kMaxBatchBytes) break;
      bytes += size;
      batch.push_back(std::move(c));
      ++next;
    }
    if (batch.size() == 1) {
      send_one_completion(std::move(batch.front()));
      continue;
    }
    std::string request = complete_batch_request(batch, options_.token);
    call(std::move(request), [this, batch = std::move(batch)](bench::Answer a) mutable {
      auto results = parse_complete_batch(a.status, a.body, batch.size());
      if (!results && a.status >= 400 && a.status < 500 && a.status != 401 && a.status != 403) {
        // The batch as a whole was refused (too large, one result nested
        // too deep for the batch's body, a server without the route): each
        // goes alone, so one bad result costs only its own task.
        for (auto& c : batch) send_one_completion(std::move(c));
        return;
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!results) {
          outcome_answered(batch[i].task_id, batch[i].lease, true, a.status,
                           std::unexpected(results.error()));
          continue;
        }
        const auto& r = (*results)[i];
        outcome_answered(batch[i].task_id, batch[i].lease, true, r ? 200 : r.error().status, r);
      }
    });
  }
  to_complete_.clear();
}

void TaskWorker::outcome_answered(const std::string& task_id, const std::string& lease, bool ok, int status,
                                  const std::expected<std::string, CallError>& answer) {
  if (answer) {
    ++(ok ? stats_.completed : stats_.failed);
  } else if (answer.error().status == 409) {
    ++stats_.conflicts;
  } else {
    error(answer.error());
  }
  if (outcome_observer_) outcome_observer_(task_id, status);
  auto it = tasks_.find(task_id);
  if (it != tasks_.end() && it->second.task.lease == lease) tasks_.erase(it);
}

void TaskWorker::heartbeat_due() {
  int64_t now = bench::now_us();
  if (now < next_heartbeat_scan_us_) return;
  next_heartbeat_scan_us_ = now + 50'000;
  for (auto& [id, f] : tasks_) {
    if (f.finished || f.heartbeat_in_flight || now < f.next_heartbeat_us) continue;
    f.heartbeat_in_flight = true;
    std::string task_id = id;
    std::string lease = f.task.lease;
    call(heartbeat_request(id, lease, options_.token), [this, task_id, lease](bench::Answer a) {
      auto it = tasks_.find(task_id);
      bool current = it != tasks_.end() && it->second.task.lease == lease;
      if (current) it->second.heartbeat_in_flight = false;
      auto expires = parse_heartbeat(a.status, a.body);
      if (!expires) {
        // 409: the lease is gone; the handler's outcome will be refused too.
        if (expires.error().status == 409) {
          ++stats_.conflicts;
        } else {
          error(expires.error());
        }
        return;
      }
      ++stats_.heartbeats;
      if (current) {
        it->second.task.lease_expires_at = *expires;
        it->second.next_heartbeat_us = bench::now_us() + heartbeat_in_us(it->second.lease_ms);
      }
    });
  }
}

void TaskWorker::pump(std::chrono::microseconds timeout) {
  send_completions();
  claim();
  heartbeat_due();
  // Wake for the next claim retry or heartbeat scan, whichever is sooner.
  int64_t now = bench::now_us();
  int64_t until = now + timeout.count();
  if (claiming_ && !claim_in_flight_ && next_claim_us_ > now) until = std::min(until, next_claim_us_);
  if (!tasks_.empty()) until = std::min(until, std::max(now, next_heartbeat_scan_us_));
  client_.pump(std::chrono::microseconds(std::max<int64_t>(0, until - now)));
  send_completions();  // what the handler finished on those answers goes out now
  if (!client_.ok() && claim_in_flight_ && client_.in_flight() == 0) claim_in_flight_ = false;
}

void TaskWorker::run(const std::atomic<bool>& stop, std::chrono::milliseconds drain) {
  while (!stop.load(std::memory_order_relaxed) && client_.ok()) pump(std::chrono::milliseconds(20));
  stop_claiming();
  int64_t deadline = bench::now_us() + std::chrono::microseconds(drain).count();
  while (!idle() && client_.ok() && bench::now_us() < deadline) pump(std::chrono::milliseconds(20));
}

}  // namespace sundial::worker
