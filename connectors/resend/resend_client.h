// ResendClient: sends one email through Resend's `POST /emails`
// (PROVIDERS.md section 2) with the bearer key, a User-Agent (Resend
// answers 403 without one) and the step's stable Idempotency-Key, behind
// the shared limiter `resend` (Limiters; [limits.resend], or [resend]'s
// rate and burst), which a 429 (or a 503 with Retry-After) holds for as
// long as Resend asks; /api/v1/limits and the limiter metrics show it.
// Without an API key it runs in log mode: the email is logged and
// returned as the step's result instead of being sent.
// Outcomes map onto step errors: retryable (429 honouring Retry-After,
// 5xx, timeouts, 409 concurrent_idempotent_requests) or permanent (other
// 4xx, named by Resend's error name).
//
// Threading: loop thread only. Ownership: borrows the AsyncHttpClient and
// the Limiters.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <map>

#include "connectors/http/async_http_client.h"
#include "engine/flow/limiters.h"
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
  // The limiter sends wait for, and its rate and burst when the config
  // declares no [limits.resend]: 5 per second (Resend's documented team
  // limit), bursts of 5.
  std::string limiter = "resend";
  double rate_per_second = 5;
  double burst = 5;
  DurationMs timeout = 15 * kSecondMs;
};

class ResendClient {
 public:
  // `limiters` must declare options.limiter (with_resend_limiter()).
  ResendClient(AsyncHttpClient& http, Limiters& limiters, ResendOptions options);

  bool log_mode() const { return !options_.api_key.has_value(); }
  // `done` gets {"id": <Resend message id>} or, in log mode,
  // {"log_mode": true, "to", "subject"}.
  void send(const Email& email, const std::string& idempotency_key,
            std::move_only_function<void(Result<nlohmann::json>)> done);

 private:
  AsyncHttpClient& http_;
  Limiters& limiters_;
  ResendOptions options_;
};

// `declared` ([limits.*]) plus options.limiter at options' rate and burst,
// unless declared already.
std::map<std::string, LimiterSpec> with_resend_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const ResendOptions& options);

// Resend's answer as a step result (exposed for tests).
Result<nlohmann::json> resend_result(const HttpCallResult& result);

}  // namespace sundial
