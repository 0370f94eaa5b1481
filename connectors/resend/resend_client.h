// ResendClient: sends one email through Resend's `POST /emails`
// (PROVIDERS.md section 2) with the bearer key, a User-Agent (Resend
// answers 403 without one) and the step's stable Idempotency-Key, behind
// the connector's RateGate. Without an API key it runs in log mode: the
// email is logged and returned as the step's result instead of being sent.
// Outcomes map onto step errors: retryable (429 honouring Retry-After,
// 5xx, timeouts, 409 concurrent_idempotent_requests) or permanent (other
// 4xx, named by Resend's error name).
//
// Threading: loop thread only. Ownership: borrows the AsyncHttpClient and
// the Loop/Clock; owns its RateGate.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "connectors/http/async_http_client.h"
#include "connectors/http/rate_gate.h"
#include "engine/base/error.h"

namespace sundial {

struct Email {
  std::string from;
  std::string to;
  std::string subject;
  std::string html;
  std::string text;
};

struct ResendOptions {
  std::string base_url = "https://api.resend.com";
  std::optional<std::string> api_key;  // none: log mode
  // Default: 5 per second (Resend's documented team limit), bursts of 5.
  double rate_per_second = 5;
  double burst = 5;
  DurationMs timeout = 15 * kSecondMs;
};

class ResendClient {
 public:
  ResendClient(Loop& loop, Clock& clock, AsyncHttpClient& http, ResendOptions options);

  bool log_mode() const { return !options_.api_key.has_value(); }
  // `done` gets {"id": <Resend message id>} or, in log mode,
  // {"log_mode": true, "to", "subject"}.
  void send(const Email& email, const std::string& idempotency_key,
            std::move_only_function<void(Result<nlohmann::json>)> done);

 private:
  AsyncHttpClient& http_;
  ResendOptions options_;
  RateGate gate_;
};

// Resend's answer as a step result (exposed for tests).
Result<nlohmann::json> resend_result(const HttpCallResult& result);

}  // namespace sundial
