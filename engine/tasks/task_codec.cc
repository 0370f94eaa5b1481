#include "engine/tasks/task_codec.h"

#include "engine/codec/stored_json.h"

namespace sundial {
namespace {

using nlohmann::json;
using namespace stored_json;

json attempt_to_json(const TaskAttempt& a) {
  json j = {
      {"attempt", a.attempt}, {"worker", a.worker}, {"started_at", a.started_at}, {"outcome", a.outcome}};
  if (a.ended_at) j["ended_at"] = a.ended_at;
  if (!a.error.empty()) j["error"] = a.error;
  return j;
}

bool attempt_from_json(const json& j, TaskAttempt& a) {
  return j.is_object() && read(j, "attempt", a.attempt) && read(j, "worker", a.worker) &&
         read(j, "started_at", a.started_at) && read(j, "ended_at", a.ended_at) &&
         read(j, "outcome", a.outcome) && read(j, "error", a.error);
}

json backoff_json(const RetryPolicy& p) {
  return {{"initial_ms", p.initial_backoff}, {"max_ms", p.max_backoff}, {"multiplier", p.multiplier}};
}

}  // namespace

Result<std::string> encode_task(const TaskRecord& t) {
  json j = {{"id", t.id},
            {"queue", t.queue},
            {"type", t.type},
            {"status", task_status_name(t.status)},
            {"max_attempts", t.retry.max_attempts},
            {"backoff", backoff_json(t.retry)},
            {"timeout", t.timeout},
            {"created_at", t.created_at},
            {"updated_at", t.updated_at}};
  if (!t.payload.is_null()) j["payload"] = t.payload;
  if (t.priority) j["priority"] = t.priority;
  if (t.attempt) j["attempt"] = t.attempt;
  if (!t.dedupe_key.empty()) j["dedupe_key"] = t.dedupe_key;
  if (!t.instance_id.empty()) j["instance_id"] = t.instance_id;
  if (t.finished_at) j["finished_at"] = t.finished_at;
  if (t.ready_at) j["ready_at"] = t.ready_at;
  if (t.ready_seq) j["ready_seq"] = t.ready_seq;
  if (t.timer_due) j["timer_due"] = t.timer_due;
  if (!t.lease.empty()) j["lease"] = t.lease;
  if (t.lease_expires_at) j["lease_expires_at"] = t.lease_expires_at;
  if (!t.worker.empty()) j["worker"] = t.worker;
  if (!t.result.is_null()) j["result"] = t.result;
  if (!t.last_error.empty()) j["last_error"] = t.last_error;
  if (!t.attempts.empty()) {
    json attempts = json::array();
    for (const auto& a : t.attempts) attempts.push_back(attempt_to_json(a));
    j["attempts"] = std::move(attempts);
  }
  SUNDIAL_TRY(check_fields(j, "task record"));
  return dump_checked(j, "task record");
}

Result<TaskRecord> decode_task(std::string_view bytes) {
  constexpr std::string_view what = "task record";
  SUNDIAL_ASSIGN_OR_RETURN(json j, parse_object(bytes, what));
  TaskRecord t;
  std::string status;
  json backoff = json::object();
  if (!read(j, "id", t.id)) return std::unexpected(corrupt(what, "id"));
  if (!read(j, "queue", t.queue)) return std::unexpected(corrupt(what, "queue"));
  if (!read(j, "type", t.type)) return std::unexpected(corrupt(what, "type"));
  if (auto it = j.find("payload"); it != j.end()) t.payload = *it;
  if (auto it = j.find("result"); it != j.end()) t.result = *it;
  if (!read(j, "status", status)) return std::unexpected(corrupt(what, "status"));
  if (!read(j, "priority", t.priority)) return std::unexpected(corrupt(what, "priority"));
  if (!read(j, "attempt", t.attempt)) return std::unexpected(corrupt(what, "attempt"));
  if (!read(j, "max_attempts", t.retry.max_attempts)) return std::unexpected(corrupt(what, "max_attempts"));
  if (auto it = j.find("backoff"); it != j.end()) backoff = *it;
  if (!backoff.is_object() || !read(backoff, "initial_ms", t.retry.initial_backoff) ||
      !read(backoff, "max_ms", t.retry.max_backoff) || !read(backoff, "multiplier", t.retry.multiplier)) {
    return std::unexpected(corrupt(what, "backoff"));
  }
  if (!read(j, "timeout", t.timeout)) return std::unexpected(corrupt(what, "timeout"));
  if (!read(j, "dedupe_key", t.dedupe_key)) return std::unexpected(corrupt(what, "dedupe_key"));
  if (!read(j, "instance_id", t.instance_id)) return std::unexpected(corrupt(what, "instance_id"));
  if (!read(j, "created_at", t.created_at)) return std::unexpected(corrupt(what, "created_at"));
  if (!read(j, "updated_at", t.updated_at)) return std::unexpected(corrupt(what, "updated_at"));
  if (!read(j, "finished_at", t.finished_at)) return std::unexpected(corrupt(what, "finished_at"));
  if (!read(j, "ready_at", t.ready_at)) return std::unexpected(corrupt(what, "ready_at"));
  if (!read(j, "ready_seq", t.ready_seq)) return std::unexpected(corrupt(what, "ready_seq"));
  if (!read(j, "timer_due", t.timer_due)) return std::unexpected(corrupt(what, "timer_due"));
  if (!read(j, "lease", t.lease)) return std::unexpected(corrupt(what, "lease"));
  if (!read(j, "lease_expires_at", t.lease_expires_at))
    return std::unexpected(corrupt(what, "lease_expires_at"));
  if (!read(j, "worker", t.worker)) return std::unexpected(corrupt(what, "worker"));
  if (!read(j, "last_error", t.last_error)) return std::unexpected(corrupt(what, "last_error"));
  if (auto it = j.find("attempts"); it != j.end()) {
    if (!it->is_array()) return std::unexpected(corrupt(what, "attempts"));
    for (const auto& a : *it) {
      if (!attempt_from_json(a, t.attempts.emplace_back())) return std::unexpected(corrupt(what, "attempts"));
    }
  }
  auto parsed = parse_task_status(status);
  if (!parsed) return std::unexpected(corrupt(what, "status"));
  t.status = *parsed;
  return t;
}

std::string encode_queue(const QueueRecord& q) {
  json counts = json::object();
  for (TaskStatus s : kAllTaskStatuses) counts[std::string(task_status_name(s))] = q.counts[status_slot(s)];
  json j = {{"name", q.name}, {"created_at", q.created_at}, {"counts", std::move(counts)}};
  if (q.paused) j["paused"] = true;
  if (q.max_in_flight) j["max_in_flight"] = q.max_in_flight;
  return j.dump();  // names are [A-Za-z0-9._-]: always encodable
}

Result<QueueRecord> decode_queue(std::string_view bytes) {
  constexpr std::string_view what = "queue record";
  SUNDIAL_ASSIGN_OR_RETURN(json j, parse_object(bytes, what));
  QueueRecord q;
  json counts = json::object();
  if (!read(j, "name", q.name)) return std::unexpected(corrupt(what, "name"));
  if (!read(j, "created_at", q.created_at)) return std::unexpected(corrupt(what, "created_at"));
  if (!read(j, "paused", q.paused)) return std::unexpected(corrupt(what, "paused"));
  if (!read(j, "max_in_flight", q.max_in_flight)) return std::unexpected(corrupt(what, "max_in_flight"));
  if (auto it = j.find("counts"); it != j.end()) counts = *it;
  if (!counts.is_object()) return std::unexpected(corrupt(what, "counts"));
  for (TaskStatus s : kAllTaskStatuses) {
    if (!read(counts, std::string(task_status_name(s)).c_str(), q.counts[status_slot(s)])) {
      return std::unexpected(corrupt(what, "counts"));
    }
  }
  return q;
}

json task_to_json(const TaskRecord& t, bool with_attempts) {
  auto or_null = [](const auto& v, bool present) { return present ? json(v) : json(nullptr); };
  json j = {{"task_id", t.id},
            {"queue", t.queue},
            {"type", t.type},
            {"payload", t.payload},
            {"status", task_status_name(t.status)},
            {"priority", t.priority},
            {"attempt", t.attempt},
            {"max_attempts", t.retry.max_attempts},
            {"timeout_ms", t.timeout},
            {"backoff", backoff_json(t.retry)},
            {"dedupe_key", or_null(t.dedupe_key, !t.dedupe_key.empty())},
            {"run_at", t.status != TaskStatus::kPending ? json(nullptr)
                       : t.timer_due                    ? json(t.timer_due)
                                                        : json(t.ready_at)},
            {"created_at", t.created_at},
            {"updated_at", t.updated_at},
            {"finished_at", or_null(t.finished_at, t.finished_at != 0)},
            {"lease_expires_at", or_null(t.lease_expires_at, t.status == TaskStatus::kRunning)},
            {"worker", or_null(t.worker, t.status == TaskStatus::kRunning)},
            {"result", t.result},
            {"last_error", or_null(t.last_error, !t.last_error.empty())},
            {"instance_id", or_null(t.instance_id, !t.instance_id.empty())}};
  if (with_attempts) {
    json attempts = json::array();
    for (const auto& a : t.attempts) {
      json v = attempt_to_json(a);
      if (!v.contains("ended_at")) v["ended_at"] = nullptr;
      if (!v.contains("error")) v["error"] = nullptr;
      attempts.push_back(std::move(v));
    }
    j["attempts"] = std::move(attempts);
  }
  return j;
}

}  // namespace sundial
