#include "connectors/signing/webhook_signature.h"

#include <cctype>
#include <string_view>
#include <vector>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "engine/base/text.h"

namespace sundial {

namespace {

SignatureCheck valid() { return {true, {}}; }
SignatureCheck invalid(std::string problem) { return {false, std::move(problem)}; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(separator);
    out.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// Unix seconds as sent: 1 to 12 digits.
std::optional<int64_t> unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<SignatureCheck> too_old(const WebhookVerification& v, int64_t seconds, TimeMs now_ms,
                                      std::string_view header) {
  DurationMs skew = now_ms - seconds * kSecondMs;
  if (skew <= v.tolerance && -skew <= v.tolerance) return std::nullopt;
  return invalid("the timestamp in " + std::string(header) + " is " + std::to_string(skew / kSecondMs) +
                 " s from now, beyond the tolerance of " + std::to_string(v.tolerance / kSecondMs) + " s");
}

SignatureCheck check_hmac(const WebhookVerification& v, const std::string& secret,
                          const http::HttpRequest& request) {
  const std::string* given = request.header(v.header);
  if (given == nullptr) return invalid("missing " + v.header);
  std::string_view text = *given;
  if (!text.starts_with(v.prefix)) return invalid(v.header + " does not begin with '" + v.prefix + "'");
  text.remove_prefix(v.prefix.size());
  std::string digest = hmac_sha256(secret, request.body);
  bool match = v.encoding == SignatureEncoding::kHex
                   ? constant_time_equal(hex_encode(digest), ascii_lower(text))
                   : constant_time_equal(base64_encode(digest), text);
  return match ? valid() : invalid("wrong " + v.header);
}

SignatureCheck check_stripe(const WebhookVerification& v, const std::string& secret,
                            const http::HttpRequest& request, TimeMs now_ms) {
  const std::string* header = request.header(v.header);
  if (header == nullptr) return invalid("missing " + v.header);
  std::optional<std::string_view> timestamp;
  std::vector<std::string_view> signatures;
  for (std::string_view part : split(*header, ',')) {
    if (part.starts_with("t=")) timestamp = part.substr(2);
    if (part.starts_with("v1=")) signatures.push_back(part.substr(3));
  }
  std::optional<int64_t> seconds = timestamp ? unix_seconds(*timestamp) : std::nullopt;
  if (!seconds || signatures.empty()) {
    return invalid(v.header + " is not t=<unix seconds>,v1=<hex signature>");
  }
  std::string expected = hmac_sha256_hex(secret, std::string(*timestamp) + "." + request.body);
  bool match = false;
  for (std::string_view s : signatures) match |= constant_time_equal(expected, ascii_lower(s));
  if (!match) return invalid("wrong " + v.header);
  // The age is checked after the signature, so an attacker learns nothing
  // about the tolerance from unsigned guesses.
  if (auto stale = too_old(v, *seconds, now_ms, v.header)) return *stale;
  return valid();
}

SignatureCheck check_standard(const WebhookVerification& v, const std::string& secret,
                              const http::HttpRequest& request, TimeMs now_ms) {
  // Svix (Resend's sender) names the same three headers svix-id,
  // svix-timestamp and svix-signature; the scheme is identical.
  bool svix = request.header("webhook-id") == nullptr && request.header("svix-id") != nullptr;
  const char* prefix = svix ? "svix-" : "webhook-";
  const std::string* id = request.header(std::string(prefix) + "id");
  const std::string* timestamp = request.header(std::string(prefix) + "timestamp");
  const std::string* header = request.header(std::string(prefix) + "signature");
  if (id == nullptr || timestamp == nullptr || header == nullptr) {
    return invalid("missing webhook-id, webhook-timestamp or webhook-signature (or svix-id, svix-timestamp, "
                   "svix-signature)");
  }
  std::optional<int64_t> seconds = unix_seconds(*timestamp);
  if (!seconds) return invalid("webhook-timestamp is not unix seconds");
  std::optional<std::string> key = standard_webhooks_key(secret);
  if (!key) return invalid("the signing secret is not whsec_<base64>");
  std::string expected = base64_encode(hmac_sha256(*key, *id + "." + *timestamp + "." + request.body));
  bool match = false;
  for (std::string_view entry : split(*header, ' ')) {
    if (entry.starts_with("v1,")) match |= constant_time_equal(expected, entry.substr(3));
  }
  if (!match) return invalid("wrong webhook-signature");
  if (auto stale = too_old(v, *seconds, now_ms, "webhook-timestamp")) return *stale;
  return valid();
}

}  // namespace

WebhookVerification hmac_verification(std::string header, std::optional<std::string> secret,
                                      std::string prefix, SignatureEncoding encoding) {
  WebhookVerification v;
  v.scheme = SignatureScheme::kHmac;
  v.header = std::move(header);
  v.secret = std::move(secret);
  v.prefix = std::move(prefix);
  v.encoding = encoding;
  return v;
}

WebhookVerification shared_secret_verification(std::string header, std::optional<std::string> secret) {
  WebhookVerification v;
  v.scheme = SignatureScheme::kSharedSecret;
  v.header = std::move(header);
  v.secret = std::move(secret);
  return v;
}

WebhookVerification stripe_verification(std::optional<std::string> secret, DurationMs tolerance) {
  WebhookVerification v;
  v.scheme = SignatureScheme::kStripe;
  v.header = "stripe-signature";
  v.secret = std::move(secret);
  v.tolerance = tolerance;
  return v;
}

WebhookVerification standard_webhooks_verification(std::optional<std::string> secret, DurationMs tolerance) {
  WebhookVerification v;
  v.scheme = SignatureScheme::kStandardWebhooks;
  v.header = "webhook-signature";
  v.secret = std::move(secret);
  v.tolerance = tolerance;
  return v;
}

std::optional<std::string> standard_webhooks_key(std::string_view secret) {
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  auto key = base64_decode(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

SignatureCheck check_signature(const WebhookVerification& v, const http::HttpRequest& request,
                               TimeMs now_ms) {
  if (v.scheme == SignatureScheme::kNone) return valid();
  if (!v.secret) return invalid("no signing secret is configured");
  switch (v.scheme) {
    case SignatureScheme::kHmac:
      return check_hmac(v, *v.secret, request);
    case SignatureScheme::kStripe:
      return check_stripe(v, *v.secret, request, now_ms);
    case SignatureScheme::kStandardWebhooks:
      return check_standard(v, *v.secret, request, now_ms);
    case SignatureScheme::kSharedSecret: {
      const std::string* given = request.header(v.header);
      if (given == nullptr) return invalid("missing " + v.header);
      if (!constant_time_equal(*v.secret, *given)) return invalid("wrong " + v.header);
      return valid();
    }
    case SignatureScheme::kNone:
      break;
  }
  return invalid("unknown signature scheme");
}

}  // namespace sundial
