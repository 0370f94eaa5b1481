// The task queues' worker protocol as bytes (docs/http-api.md, "Tasks and
// queues"): the raw HTTP/1.1 requests a worker sends (claim, heartbeat,
// complete, fail; enqueue for producers and benchmarks) and the parsing of
// their answers. Pure functions over strings, so the worker
// (task_worker.h) and sundial-bench share one encoding and tests can feed
// the parsers any bytes.
//
// Threading: plain functions. Ownership: values only.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial::worker {

// A task handed out by a claim.
struct ClaimedTask {
  std::string task_id;
  std::string type;
  nlohmann::json payload;
  uint32_t attempt = 0;
  std::string lease;
  int64_t lease_expires_at = 0;  // Unix ms
};

struct ClaimOptions {
  std::string worker;       // required by the server (1-200 characters)
  uint32_t max = 1;         // 1-1000
  std::string wait = "0s";  // a duration, at most "60s"
  std::vector<std::string> types;
};

// What a refused call answered: the HTTP status (0 when the connection
// failed) and the server's error code and message.
struct CallError {
  int status = 0;
  std::string code;
  std::string message;
};

// Percent-encodes a path segment (task ids may hold '/' or '+').
std::string encode_segment(std::string_view s);

// "POST <path> HTTP/1.1" with a JSON body, keep-alive; `token` (when
// given) as a bearer token.
std::string post_request(std::string_view path, std::string_view body,
                         const std::optional<std::string>& token);

std::string claim_request(const std::string& queue, const ClaimOptions& options,
                          const std::optional<std::string>& token);
std::string heartbeat_request(const std::string& task_id, const std::string& lease,
                              const std::optional<std::string>& token);
std::string complete_request(const std::string& task_id, const std::string& lease,
                             const nlohmann::json& result, const std::optional<std::string>& token);
// Many completions in one request (POST /api/v1/tasks:complete), each
// answered on its own.
struct Completion {
  std::string task_id;
  std::string lease;
  nlohmann::json result;
};
std::string complete_batch_request(const std::vector<Completion>& completions,
                                   const std::optional<std::string>& token);
// `retry_after`: a duration ("10s"), or none for the task's backoff.
std::string fail_request(const std::string& task_id, const std::string& lease, const std::string& error,
                         bool retryable, const std::optional<std::string>& retry_after,
                         const std::optional<std::string>& token);
// One task: `spec` is the enqueue body ({"type","payload",...}).
std::string enqueue_request(const std::string& queue, const nlohmann::json& spec,
                            const std::optional<std::string>& token);
// Up to 1,000 task specs in one atomic batch.
std::string enqueue_batch_request(const std::string& queue, const std::vector<nlohmann::json>& specs,
                                  const std::optional<std::string>& token);

// The error of an answer that is not a success: the server's
// {"error":{"code","message"}}, or a description of what came instead.
CallError call_error(int status, std::string_view body);

// A claim's answer: the tasks (possibly none), or the refusal. A 200 whose
// body is not the documented shape is a refusal with code "bad_answer".
std::expected<std::vector<ClaimedTask>, CallError> parse_claim(int status, std::string_view body);

// A heartbeat's answer: the new lease_expires_at.
std::expected<int64_t, CallError> parse_heartbeat(int status, std::string_view body);

// A complete's or fail's answer: the task's status ("completed", "pending"
// for a retry, "failed").
std::expected<std::string, CallError> parse_outcome(int status, std::string_view body);

// A batch completion's answer: per completion, in order, the task's status
// or its refusal (status 409 for a stale lease). The whole call's refusal,
// or a 200 without `expected_count` results, is the outer error.
std::expected<std::vector<std::expected<std::string, CallError>>, CallError> parse_complete_batch(
    int status, std::string_view body, size_t expected_count);

// An enqueue batch's answer: the task ids in order.
std::expected<std::vector<std::string>, CallError> parse_enqueue_batch(int status, std::string_view body);

}  // namespace sundial::worker
