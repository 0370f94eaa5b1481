#include "connectors/http/http_call.h"

#include <curl/curl.h>

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
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) return seconds * kSecondMs;
  time_t date = curl_getdate(value.c_str(), nullptr);
  if (date <= 0) return 0;
  DurationMs d = static_cast<DurationMs>(date) * kSecondMs - now;
  return d > 0 ? d : 0;
}

}  // namespace sundial
