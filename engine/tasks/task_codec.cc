#include "engine/tasks/task_codec.h"

#include "engine/codec/json_writer.h"
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

// The same object as attempt_to_json, written directly (encode_task).
void write_attempt(JsonWriter& w, const TaskAttempt& a) {
  w.begin_object();
  w.key("attempt").unsigned_integer(a.attempt);
  w.key("worker").string(a.worker);
  w.key("started_at").integer(a.started_at);
  w.key("outcome").string(a.outcome);
  if (a.ended_at) w.key("ended_at").integer(a.ended_at);
  if (!a.error.empty()) w.key("error").string(a.error);
  w.end_object();
}

void write_backoff(JsonWriter& w, const RetryPolicy& p) {
  w.begin_object();
  w.key("initial_ms").integer(p.initial_backoff);
  w.key("max_ms").integer(p.max_backoff);
  w.key("multiplier").number(p.multiplier);
  w.end_object();
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

// Written directly rather than through an nlohmann::json tree: a task
// record is encoded at every change (enqueue, claim, completion), and the
// tree cost more than the rest of the change (docs/benchmarks.md).
Result<std::string> encode_task(const TaskRecord& t) {
  constexpr std::string_view what = "task record";
  SUNDIAL_TRY(t.payload.check(std::string(what) + " field 'payload'"));
  SUNDIAL_TRY(check_storable(t.result, std::string(what) + " field 'result'"));
  std::string out;
  out.reserve(256 + t.payload.text().size() + 96 * t.attempts.size());
  JsonWriter w(out);
  w.begin_object();
  w.key("id").string(t.id);
  w.key("queue").string(t.queue);
  w.key("type").string(t.type);
  w.key("status").string(task_status_name(t.status));
  w.key("max_attempts").unsigned_integer(t.retry.max_attempts);
  w.key("backoff");
  write_backoff(w, t.retry);
  w.key("timeout").integer(t.timeout);
  w.key("created_at").integer(t.created_at);
  w.key("updated_at").integer(t.updated_at);
  if (!t.payload.is_null()) w.key("payload").raw(t.payload.text());
  if (t.priority) w.key("priority").integer(t.priority);
  if (t.attempt) w.key("attempt").unsigned_integer(t.attempt);
  if (!t.dedupe_key.empty()) w.key("dedupe_key").string(t.dedupe_key);
  if (!t.instance_id.empty()) w.key("instance_id").string(t.instance_id);
  if (t.finished_at) w.key("finished_at").integer(t.finished_at);
  if (t.ready_at) w.key("ready_at").integer(t.ready_at);
  if (t.ready_seq) w.key("ready_seq").unsigned_integer(t.ready_seq);
  if (t.timer_due) w.key("timer_due").integer(t.timer_due);
  if (!t.lease.empty()) w.key("lease").string(t.lease);
  if (t.lease_expires_at) w.key("lease_expires_at").integer(t.lease_expires_at);
  if (!t.worker.empty()) w.key("worker").string(t.worker);
  if (!t.result.is_null()) w.key("result").value(t.result);
  if (!t.last_error.empty()) w.key("last_error").string(t.last_error);
  if (t.concurrency) {
    w.key("concurrency").value(to_json(*t.concurrency));
    if (t.slot != SlotState::kNone) w.key("slot").unsigned_integer(static_cast<uint8_t>(t.slot));
    if (t.slot_seq) w.key("slot_seq").unsigned_integer(t.slot_seq);
    if (t.follow_up) w.key("follow_up").boolean(true);
    if (t.folded) w.key("folded").unsigned_integer(t.folded);
  }
  if (!t.attempts.empty()) {
    w.key("attempts").begin_array();
    for (const auto& a : t.attempts) write_attempt(w, a);
    w.end_array();
  }
  w.end_object();
  if (!w.ok()) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " field '" + w.first_bad_key() +
                                                       "' holds text that is not valid UTF-8");
  }
  return out;
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
  if (auto it = j.find("payload"); it != j.end()) t.payload = EncodedJson(std::move(*it));
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
  if (auto it = j.find("concurrency"); it != j.end()) {
    auto spec = parse_concurrency(*it);
    if (!spec) return std::unexpected(corrupt(what, "concurrency"));
    t.concurrency = std::move(*spec);
    uint8_t slot = 0;
    if (!read(j, "slot", slot) || slot > static_cast<uint8_t>(SlotState::kQueued))
      return std::unexpected(corrupt(what, "slot"));
    t.slot = static_cast<SlotState>(slot);
    if (!read(j, "slot_seq", t.slot_seq)) return std::unexpected(corrupt(what, "slot_seq"));
    if (!read(j, "follow_up", t.follow_up)) return std::unexpected(corrupt(what, "follow_up"));
    if (!read(j, "folded", t.folded)) return std::unexpected(corrupt(what, "folded"));
  }
  auto parsed = parse_task_status(status);
  if (!parsed) return std::unexpected(corrupt(what, "status"));
  t.status = *parsed;
  return t;
}

std::string encode_queue(const QueueRecord& q) {
  // Names are [A-Za-z0-9._-]: always encodable. Written at every change
  // of the queue's tasks (its counts), hence directly.
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("name").string(q.name);
  w.key("created_at").integer(q.created_at);
  w.key("counts").begin_object();
  for (TaskStatus s : kAllTaskStatuses) w.key(task_status_name(s)).unsigned_integer(q.counts[status_slot(s)]);
  w.end_object();
  if (q.paused) w.key("paused").boolean(true);
  if (q.max_in_flight) w.key("max_in_flight").unsigned_integer(q.max_in_flight);
  if (!q.limit.empty()) w.key("limit").string(q.limit);
  w.end_object();
  return out;
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
  if (!read(j, "limit", q.limit)) return std::unexpected(corrupt(what, "limit"));
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
            {"payload", t.payload.value()},
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
  if (t.concurrency) {
    json c = to_json(*t.concurrency);
    if (t.slot == SlotState::kHolding) c["state"] = "holding";
    if (t.slot == SlotState::kQueued) c["state"] = "queued";
    if (t.follow_up) c["follow_up"] = true;
    if (t.folded) c["coalesced"] = t.folded;
    j["concurrency"] = std::move(c);
  }
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
