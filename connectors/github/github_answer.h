// Reading GitHub's answers (PROVIDERS.md 4.2), apart from sending them:
// what a status and body mean as a call's result, how long a rate limit
// asks to wait, GitHub's `message`, and whether a listing has a next
// page. GitHubClient decides its retries with these; tests call them on
// answers made by hand.
//
// Threading: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "connectors/http/http_call.h"
#include "engine/base/error.h"

namespace sundial {

// One exchange with GitHub after its retries: what came back, and what
// it means (github_result()).
struct GitHubAnswer {
  HttpCallResult http;
  Result<nlohmann::json> json;
};

// GitHub's answer as a call's result: the JSON of a 2xx (null for an
// empty body; a 2xx that is not a JSON object or array is a retryable
// error), else an Error made by failed_call() whose message is `what`,
// the status, GitHub's `message` and the first `errors[]` entry:
// "<what>: GitHub answered 422: Validation Failed (title missing_field)".
// Retryable: no answer (timeouts, connection errors), 5xx, 408, 429 and a
// 403 that is a rate limit (Retry-After, x-ratelimit-remaining 0, or a
// message naming a rate limit); any other 4xx is permanent.
Result<nlohmann::json> github_result(const HttpCallResult& result, const std::string& what);

// How long GitHub asked to wait after `result`, not capped: Retry-After
// on a failed answer; else, for a 403 or 429 with x-ratelimit-remaining 0,
// until x-ratelimit-reset (epoch seconds, read against `now`; at least a
// second, at most a day); else a minute for a 403/429 whose message names
// a rate limit, or an unreadable reset. 0 when it did not ask.
DurationMs github_rate_limit_wait(const HttpCallResult& result, TimeMs now);

// GitHub's `message` in the answer's body, else the start of the body;
// bounded and valid UTF-8, for an error message.
std::string github_message(const HttpCallResult& result);
// The first 300 bytes of `text`, valid UTF-8, "..." when cut.
std::string github_excerpt(std::string_view text);
// Whether the answer's Link header lists a rel="next" page.
bool github_has_next_page(const HttpCallResult& result);

}  // namespace sundial
