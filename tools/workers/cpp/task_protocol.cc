#include "tools/workers/cpp/task_protocol.h"

#include <cctype>

#include "engine/base/error.h"
#include "engine/base/text.h"

namespace sundial::worker {

namespace {

nlohmann::json parse(std::string_view body) { return nlohmann::json::parse(body, nullptr, false); }

CallError bad_answer(int status, std::string what) {
  return CallError{status, "bad_answer", std::move(what)};
}

// The status of a 2xx answer's body, or the refusal.
std::expected<nlohmann::json, CallError> success_body(int status, std::string_view body) {
  if (status < 200 || status > 299) return std::unexpected(call_error(status, body));
  nlohmann::json j = parse(body);
  if (!j.is_object()) return std::unexpected(bad_answer(status, "the answer is not a JSON object"));
  return j;
}

}  // namespace

std::string encode_segment(std::string_view s) { return url_encode(s); }

std::string post_request(std::string_view path, std::string_view body,
                         const std::optional<std::string>& token) {
  std::string out;
  out.reserve(160 + path.size() + body.size());
  out += "POST ";
  out += path;
  out += " HTTP/1.1\r\nHost: sundial\r\nContent-Type: application/json\r\n";
  if (token) out += "Authorization: Bearer " + *token + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

std::string claim_request(const std::string& queue, const ClaimOptions& options,
                          const std::optional<std::string>& token) {
  nlohmann::json body = {{"worker", options.worker}, {"max", options.max}, {"wait", options.wait}};
  if (!options.types.empty()) body["types"] = options.types;
  return post_request("/api/v1/queues/" + encode_segment(queue) + "/claim", body.dump(), token);
}

std::string heartbeat_request(const std::string& task_id, const std::string& lease,
                              const std::optional<std::string>& token) {
  return post_request("/api/v1/tasks/" + encode_segment(task_id) + "/heartbeat",
                      nlohmann::json{{"lease", lease}}.dump(), token);
}

std::string complete_request(const std::string& task_id, const std::string& lease,
                             const nlohmann::json& result, const std::optional<std::string>& token) {
  nlohmann::json body = {{"lease", lease}};
  if (!result.is_null()) body["result"] = result;
  // A handler's result may hold text that is not UTF-8: replaced, not thrown.
  return post_request("/api/v1/tasks/" + encode_segment(task_id) + "/complete",
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), token);
}

std::string complete_batch_request(const std::vector<Completion>& completions,
                                   const std::optional<std::string>& token) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : completions) {
    nlohmann::json item = {{"task_id", c.task_id}, {"lease", c.lease}};
    if (!c.result.is_null()) item["result"] = c.result;
    items.push_back(std::move(item));
  }
  nlohmann::json body = {{"completions", std::move(items)}};
  return post_request("/api/v1/tasks:complete",
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), token);
}

std::string fail_request(const std::string& task_id, const std::string& lease, const std::string& error,
                         bool retryable, const std::optional<std::string>& retry_after,
                         const std::optional<std::string>& token) {
  nlohmann::json body = {{"lease", lease}, {"error", error}, {"retryable", retryable}};
  if (retry_after) body["retry_after"] = *retry_after;
  // Handler messages are arbitrary bytes: replace what is not UTF-8 rather
  // than throw.
  return post_request("/api/v1/tasks/" + encode_segment(task_id) + "/fail",
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), token);
}

std::string enqueue_request(const std::string& queue, const nlohmann::json& spec,
                            const std::optional<std::string>& token) {
  return post_request("/api/v1/queues/" + encode_segment(queue) + "/tasks", spec.dump(), token);
}

std::string enqueue_batch_request(const std::string& queue, const std::vector<nlohmann::json>& specs,
                                  const std::optional<std::string>& token) {
  return post_request("/api/v1/queues/" + encode_segment(queue) + "/tasks:batch",
                      nlohmann::json{{"tasks", specs}}.dump(), token);
}

CallError call_error(int status, std::string_view body) {
  if (status == 0) return CallError{0, "unavailable", "the connection to the server failed"};
  nlohmann::json j = parse(body);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
    std::string message =
        e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
    if (!code.empty()) return CallError{status, std::move(code), std::move(message)};
  }
  std::string excerpt(body.substr(0, 200));
  return CallError{status, "http_" + std::to_string(status),
                   "the server answered " + std::to_string(status) + (excerpt.empty() ? "" : ": " + excerpt)};
}

std::expected<std::vector<ClaimedTask>, CallError> parse_claim(int status, std::string_view body) {
  auto j = success_body(status, body);
  if (!j) return std::unexpected(j.error());
  auto it = j->find("tasks");
  if (it == j->end() || !it->is_array())
    return std::unexpected(bad_answer(status, "a claim without \"tasks\""));
  std::vector<ClaimedTask> tasks;
  tasks.reserve(it->size());
  for (auto& t : *it) {
    if (!t.is_object()) return std::unexpected(bad_answer(status, "a claimed task is not an object"));
    auto id = t.find("task_id");
    auto lease = t.find("lease");
    auto expires = t.find("lease_expires_at");
    auto attempt = t.find("attempt");
    auto type = t.find("type");
    if (id == t.end() || !id->is_string() || lease == t.end() || !lease->is_string() || expires == t.end() ||
        !expires->is_number_integer() || attempt == t.end() || !attempt->is_number_unsigned() ||
        type == t.end() || !type->is_string()) {
      return std::unexpected(
          bad_answer(status, "a claimed task lacks task_id, type, attempt, lease or lease_expires_at"));
    }
    ClaimedTask task;
    task.task_id = id->get<std::string>();
    task.type = type->get<std::string>();
    task.attempt = attempt->get<uint32_t>();
    task.lease = lease->get<std::string>();
    task.lease_expires_at = expires->get<int64_t>();
    if (auto p = t.find("payload"); p != t.end()) task.payload = std::move(*p);
    tasks.push_back(std::move(task));
  }
  return tasks;
}

std::expected<int64_t, CallError> parse_heartbeat(int status, std::string_view body) {
  auto j = success_body(status, body);
  if (!j) return std::unexpected(j.error());
  auto it = j->find("lease_expires_at");
  if (it == j->end() || !it->is_number_integer())
    return std::unexpected(bad_answer(status, "a heartbeat answer without lease_expires_at"));
  return it->get<int64_t>();
}

std::expected<std::string, CallError> parse_outcome(int status, std::string_view body) {
  auto j = success_body(status, body);
  if (!j) return std::unexpected(j.error());
  auto it = j->find("status");
  if (it == j->end() || !it->is_string())
    return std::unexpected(bad_answer(status, "an answer without status"));
  return it->get<std::string>();
}

std::expected<std::vector<std::expected<std::string, CallError>>, CallError> parse_complete_batch(
    int status, std::string_view body, size_t expected_count) {
  auto j = success_body(status, body);
  if (!j) return std::unexpected(j.error());
  auto it = j->find("results");
  if (it == j->end() || !it->is_array() || it->size() != expected_count)
    return std::unexpected(bad_answer(status, "a batch answer without one result per completion"));
  std::vector<std::expected<std::string, CallError>> out;
  out.reserve(it->size());
  for (const auto& r : *it) {
    if (!r.is_object()) return std::unexpected(bad_answer(status, "a batch result that is not an object"));
    if (auto s = r.find("status"); s != r.end() && s->is_string()) {
      out.emplace_back(s->get<std::string>());
      continue;
    }
    auto e = r.find("error");
    if (e == r.end() || !e->is_object())
      return std::unexpected(bad_answer(status, "a batch result with neither status nor error"));
    CallError err;
    auto text = [&](const char* field) {
      auto f = e->find(field);
      return f != e->end() && f->is_string() ? f->get<std::string>() : std::string();
    };
    err.code = text("code");
    err.message = text("message");
    // The status the single route would have answered (409 for a stale lease).
    auto code = error_code_from_name(err.code);
    err.status = code ? error_info(*code).http_status : 500;
    out.emplace_back(std::unexpected(std::move(err)));
  }
  return out;
}

std::expected<std::vector<std::string>, CallError> parse_enqueue_batch(int status, std::string_view body) {
  auto j = success_body(status, body);
  if (!j) return std::unexpected(j.error());
  auto it = j->find("results");
  if (it == j->end() || !it->is_array())
    return std::unexpected(bad_answer(status, "a batch answer without \"results\""));
  std::vector<std::string> ids;
  ids.reserve(it->size());
  for (const auto& r : *it) {
    if (!r.is_object() || !r.contains("task_id") || !r["task_id"].is_string())
      return std::unexpected(bad_answer(status, "a batch result without task_id"));
    ids.push_back(r["task_id"].get<std::string>());
  }
  return ids;
}

}  // namespace sundial::worker
