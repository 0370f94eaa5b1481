// An outbound HTTP call and its outcome, as the connectors see it: what
// to send, and whether the answer is a success, worth retrying (429, 5xx,
// 408, timeouts, connection errors — honouring Retry-After) or permanent
// (other 4xx). classify() is the one place that decides.
//
// Threading: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/clock.h"

namespace sundial {

class OutboundPolicy;

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  // Default: 15s. The whole exchange, connect included.
  DurationMs timeout = 15 * kSecondMs;
  // For calls made on behalf of user code (Lua's ctx:http). When set, the
  // URL must be http or https, no proxy is used, redirects are not
  // followed, and every address the call connects to is checked against
  // the policy at connect time; a refusal ends the call as kPermanent with
  // the policy's reason in `error`.
  std::shared_ptr<const OutboundPolicy> policy;
  // Default: 0 (no cap). A larger answer (body plus headers) ends the call
  // as kPermanent: "the answer is larger than N bytes".
  size_t max_response_bytes = 0;
  // How logs name the call. Default (empty): "<method> <url>". Calls whose
  // URL may hold a secret set it.
  std::string log_name;
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
