#include "connectors/http/http_call.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>

namespace sundial {

HttpOutcome classify(long status, bool transport_error) {
  if (transport_error || status == 0) return HttpOutcome::kRetryable;
  if (status >= 200 && status < 300) return HttpOutcome::kOk;
  if (status == 429 || status == 408 || status >= 500) return HttpOutcome::kRetryable;
  return HttpOutcome::kPermanent;
}

DurationMs parse_retry_after(const std::string& value, TimeMs now) {
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  // At most a day: a provider's (or a forger's) huge value must neither
  // overflow nor hold a shared limiter for ever.
  constexpr int64_t kMaxSeconds = 86'400;
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0)
    return std::min(seconds, kMaxSeconds) * kSecondMs;
  time_t date = curl_getdate(value.c_str(), nullptr);
  if (date <= 0) return 0;
  DurationMs d = static_cast<DurationMs>(std::min<int64_t>(date, now / kSecondMs + kMaxSeconds)) * kSecondMs - now;
  return d > 0 ? d : 0;
}

}  // namespace sundial
