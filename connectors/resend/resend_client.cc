#include "connectors/resend/resend_client.h"

#include <spdlog/spdlog.h>

#include "engine/base/json_fields.h"
#include "engine/base/json_parse.h"

namespace sundial {

namespace {

constexpr const char* kUserAgent = "sundial/0.1 (+https://github.com/sundial)";

}  // namespace

ResendClient::ResendClient(AsyncHttpClient& http, Limiters& limiters, ResendOptions options)
    : http_(http), limiters_(limiters), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
}

Result<nlohmann::json> resend_result(const HttpCallResult& r) {
  // A provider's answer is untrusted bytes too: bounded like every ingress.
  nlohmann::json body = parse_json(r.body).value_or(nlohmann::json());
  if (r.outcome == HttpOutcome::kOk) {
    if (body.is_object() && body["id"].is_string()) return nlohmann::json{{"id", body["id"]}};
    return make_error(ErrorCode::kInternal,
                      "Resend answered " + std::to_string(r.status) + " without an email id");
  }
  std::string name = string_field(body, "name");  // value() would throw on a non-string
  std::string message = string_field(body, "message");
  std::string what = r.status == 0
                         ? "Resend unreachable: " + r.error
                         : "Resend answered " + std::to_string(r.status) + (name.empty() ? "" : " " + name) +
                               (message.empty() ? "" : ": " + message);
  // Quotas answer 429 too, but waiting seconds does not help: permanent.
  bool quota = name == "daily_quota_exceeded" || name == "monthly_quota_exceeded";
  bool retryable =
      (r.outcome == HttpOutcome::kRetryable && !quota) || name == "concurrent_idempotent_requests";
  Error error = failed_call(retryable, what, r.retry_after);
  return std::unexpected(std::move(error));
}

void ResendClient::send(const Email& email, const std::string& idempotency_key,
                        std::move_only_function<void(Result<nlohmann::json>)> done) {
  if (log_mode()) {
    spdlog::info("log mode (no Resend API key): email to {} '{}' not sent", email.to, email.subject);
    return done(nlohmann::json{{"log_mode", true}, {"to", email.to}, {"subject", email.subject}});
  }
  HttpCall call;
  call.method = "POST";
  call.url = options_.base_url + "/emails";
  call.timeout = options_.timeout;
  call.headers = {"Authorization: Bearer " + *options_.api_key, "Content-Type: application/json",
                  std::string("User-Agent: ") + kUserAgent, "Idempotency-Key: " + idempotency_key};
  nlohmann::json body = {
      {"from", email.from}, {"to", email.to}, {"subject", email.subject}, {"html", email.html}};
  if (!email.text.empty()) body["text"] = email.text;
  call.body = body.dump();
  auto gate = limiters_.gate_for(options_.limiter);
  if (!gate) return done(std::unexpected(gate.error()));  // not declared: a wiring error
  (*gate)->acquire([this, call = std::move(call), done = std::move(done)]() mutable {
    http_.send(std::move(call), [this, done = std::move(done)](HttpCallResult r) mutable noexcept {
      // Resend asked everyone to slow down: every send waits (429 without a
      // Retry-After: a second, Resend's limits being per second).
      if (r.status == 429 || (r.status == 503 && r.retry_after > 0)) {
        limiters_.hold(options_.limiter, r.retry_after > 0 ? r.retry_after : kSecondMs);
      }
      done(resend_result(r));
    });
  });
}

std::map<std::string, LimiterSpec> with_resend_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const ResendOptions& options) {
  return with_default_limiter(std::move(declared), options.limiter,
                              LimiterSpec{options.rate_per_second, options.burst});
}

}  // namespace sundial
