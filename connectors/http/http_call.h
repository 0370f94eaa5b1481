// An outbound HTTP call and its outcome, as the connectors see it: what
// to send, and whether the answer is a success, worth retrying (429, 5xx,
// 408, timeouts, connection errors — honouring Retry-After) or permanent
// (other 4xx). classify() is the one place that decides.
//
// Threading: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/base/clock.h"

namespace sundial {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  // Default: 15s. The whole exchange, connect included.
  DurationMs timeout = 15 * kSecondMs;
};

enum class HttpOutcome { kOk, kRetryable, kPermanent };

struct HttpCallResult {
  HttpOutcome outcome = HttpOutcome::kPermanent;
  long status = 0;  // 0 when no answer came (timeout, connection error)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-case
  DurationMs retry_after = 0;                  // from Retry-After, when given
  std::string error;                           // transport error, when status is 0
};

HttpOutcome classify(long status, bool transport_error);
// Retry-After as delay seconds or an HTTP date; 0 when absent or unreadable.
DurationMs parse_retry_after(const std::string& value, TimeMs now);

}  // namespace sundial
