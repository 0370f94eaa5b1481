#include "connectors/github/github_answer.h"

#include <algorithm>
#include <charconv>

#include "engine/base/json_fields.h"
#include "engine/base/json_parse.h"
#include "engine/base/text.h"
#include "engine/base/utf8.h"

namespace sundial {

// Named, not anonymous: the connectors build as unity batches, where
// notion_client.cc has helpers of the same names.
namespace github_answer {

using nlohmann::json;

constexpr size_t kExcerptBytes = 300;

std::string header(const HttpCallResult& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// GitHub's `message` in a body; empty when it has none.
std::string message_of(const std::string& body) {
  return string_field(parse_json(body).value_or(json()), "message");
}

// The first entry of a 422's `errors`: "title missing_field", "head
// invalid", or a custom entry's message ("No commits between main and x").
std::string first_error_detail(const json& body) {
  auto errors = body.is_object() ? body.find("errors") : body.end();
  if (!body.is_object() || errors == body.end() || !errors->is_array() || errors->empty()) return "";
  const json& e = errors->front();
  if (e.is_string()) return github_excerpt(e.get<std::string>());
  std::string out = string_field(e, "field");
  std::string code = string_field(e, "code");
  if (!code.empty() && code != "custom") out += (out.empty() ? "" : " ") + code;
  std::string message = string_field(e, "message");
  if (!message.empty()) out += (out.empty() ? "" : ": ") + message;
  return github_excerpt(out);
}

// Whether a 403 or 429 is GitHub's rate limit rather than a refusal.
bool is_rate_limit(const HttpCallResult& r, std::string_view message) {
  if (r.status == 429) return true;
  if (r.status != 403) return false;
  if (r.headers.contains("retry-after") || header(r, "x-ratelimit-remaining") == "0") return true;
  return ascii_lower(message).find("rate limit") != std::string::npos;
}

}  // namespace github_answer

std::string github_excerpt(std::string_view text) {
  std::string cut = repair_utf8(text.substr(0, github_answer::kExcerptBytes));
  return text.size() > github_answer::kExcerptBytes ? cut + "..." : cut;
}

std::string github_message(const HttpCallResult& r) {
  std::string message = github_answer::message_of(r.body);
  return github_excerpt(message.empty() ? r.body : message);
}

bool github_has_next_page(const HttpCallResult& r) {
  return github_answer::header(r, "link").find("rel=\"next\"") != std::string::npos;
}

Result<nlohmann::json> github_result(const HttpCallResult& r, const std::string& what) {
  if (r.status == 0) {
    return std::unexpected(failed_call(r.outcome == HttpOutcome::kRetryable,
                                       what + ": GitHub unreachable: " + r.error, r.retry_after));
  }
  // A provider's answer is untrusted bytes: bounded like every ingress.
  auto parsed = parse_json(r.body);
  std::string status = std::to_string(r.status);
  if (r.status >= 200 && r.status < 300) {
    if (r.body.empty()) return nlohmann::json(nullptr);
    if (parsed && (parsed->is_object() || parsed->is_array())) return std::move(*parsed);
    return std::unexpected(
        failed_call(true, what + ": GitHub answered " + status + " without JSON: " + github_excerpt(r.body)));
  }
  nlohmann::json body = parsed.value_or(nlohmann::json());
  std::string message = string_field(body, "message");
  std::string text =
      what + ": GitHub answered " + status + ": " + github_excerpt(message.empty() ? r.body : message);
  if (std::string detail = github_answer::first_error_detail(body); !detail.empty())
    text += " (" + detail + ")";
  // 5xx, 408, 429 and rate-limit 403s are worth another try; 400, 401,
  // 404, 410, 422 and other 403s are the request's fault.
  bool retryable = r.outcome == HttpOutcome::kRetryable || github_answer::is_rate_limit(r, message);
  return std::unexpected(failed_call(retryable, text, r.retry_after));
}

DurationMs github_rate_limit_wait(const HttpCallResult& r, TimeMs now) {
  if (r.status < 400) return 0;
  if (r.headers.contains("retry-after")) return r.retry_after;
  if (r.status != 403 && r.status != 429) return 0;
  if (github_answer::header(r, "x-ratelimit-remaining") == "0") {
    std::string reset = github_answer::header(r, "x-ratelimit-reset");
    int64_t at = 0;
    auto [end, ec] = std::from_chars(reset.data(), reset.data() + reset.size(), at);
    if (ec != std::errc() || end != reset.data() + reset.size()) return kMinuteMs;
    // At most a day ahead: a forged value must not overflow.
    at = std::min(at, now / kSecondMs + 86'400);
    return std::max<DurationMs>(at * kSecondMs - now, kSecondMs);
  }
  // A secondary limit without headers: "wait at least one minute" (PROVIDERS.md 4.2).
  return github_answer::is_rate_limit(r, github_answer::message_of(r.body)) ? kMinuteMs : 0;
}

}  // namespace sundial
