#include "server/alerts/alert_signature.h"

#include <charconv>
#include <optional>
#include <vector>

#include "connectors/signing/hmac.h"
#include "engine/base/text.h"

namespace sundial::alerts {

namespace {

std::string signed_text(int64_t unix_seconds, std::string_view body) {
  std::string text = std::to_string(unix_seconds);
  text += '.';
  text += body;
  return text;
}

}  // namespace

std::string alert_signature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + hmac_sha256_hex(secret, signed_text(unix_seconds, body));
}

bool verify_alert_signature(std::string_view secret, std::string_view header, std::string_view body,
                            int64_t now_seconds, int64_t tolerance_seconds) {
  std::optional<int64_t> t;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view part = trim_space(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (part.starts_with("t=")) {
      int64_t value = 0;
      std::string_view digits = part.substr(2);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc() || end != digits.data() + digits.size()) return false;
      t = value;
    } else if (part.starts_with("v1=")) {
      signatures.push_back(part.substr(3));
    }
  }
  if (!t || signatures.empty()) return false;
  if (*t < now_seconds - tolerance_seconds || *t > now_seconds + tolerance_seconds) return false;
  std::string expected = hmac_sha256_hex(secret, signed_text(*t, body));
  bool match = false;
  for (std::string_view s : signatures) match |= constant_time_equal(expected, ascii_lower(s));
  return match;
}

}  // namespace sundial::alerts
