#include "server/api/stream_token.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "engine/base/check.h"
#include "engine/base/duration.h"
#include "engine/base/json_fields.h"
#include "engine/base/json_parse.h"
#include "engine/base/json_rules.h"
#include "engine/base/utf8.h"
#include "engine/topics/topic_event.h"

namespace sundial::api {
namespace {

constexpr std::string_view kTokenPrefix = "st1.";
constexpr std::string_view kKeyLabel = "sundial stream tokens v1";
constexpr size_t kMacBytes = 32;
constexpr std::string_view kTopicRule = "must be 1 to 100 characters of [A-Za-z0-9._-], not only dots";

// base64url without padding, over the standard-alphabet helpers: the same
// encoding with '-' for '+' and '_' for '/', and the '=' dropped.
std::string stream_b64url_encode(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

// The bytes of unpadded base64url `text`; nullopt for '+', '/', '=' or
// anything base64_decode refuses (a length no encoding has, stray bits).
std::optional<std::string> stream_b64url_decode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  return base64_decode(standard);
}

// The one rule for topic names is the engine's (they travel in URL paths).
bool is_topic_name(std::string_view topic) { return check_topic_name(topic).has_value(); }

// The quoted start of what a client sent, for an error message (valid UTF-8).
std::string topic_shown(std::string_view text) {
  return "'" + repair_utf8(text.substr(0, 120)) + (text.size() > 120 ? "...'" : "'");
}

// Appends `topic` (valid, `field` names it) to `out` unless already there.
Result<void> add_topic(std::vector<std::string>& out, std::string topic, const std::string& field) {
  if (!is_topic_name(topic)) {
    return std::unexpected(field_error("", field, std::string(kTopicRule) + ", got " + topic_shown(topic)));
  }
  if (std::find(out.begin(), out.end(), topic) != out.end()) return ok();
  if (out.size() == kMaxStreamTokenTopics) {
    return std::unexpected(field_error("", "topics", "must list 1 to 20 distinct topics"));
  }
  out.push_back(std::move(topic));
  return ok();
}

Result<std::vector<std::string>> distinct_topics(std::vector<std::string> topics) {
  std::vector<std::string> out;
  for (size_t i = 0; i < topics.size(); ++i) {
    SUNDIAL_TRY(add_topic(out, std::move(topics[i]), "topics[" + std::to_string(i) + "]"));
  }
  if (out.empty()) return std::unexpected(field_error("", "topics", "must list 1 to 20 distinct topics"));
  return out;
}

Result<DurationMs> read_ttl(const nlohmann::json& v) {
  const std::string rule = "must be a number of seconds from 1 to 86400 or a duration such as \"30m\" from " +
                           format_duration(kMinStreamTokenTtl) + " to " + format_duration(kMaxStreamTokenTtl);
  if (v.is_number_integer()) {
    auto seconds = json_integer(v, "", "ttl", kMinStreamTokenTtl / kSecondMs, kMaxStreamTokenTtl / kSecondMs);
    if (!seconds) return std::unexpected(field_error("", "ttl", rule));
    return *seconds * kSecondMs;
  }
  if (v.is_string()) {
    auto d = json_duration(v, "", "ttl", kMinStreamTokenTtl, kMaxStreamTokenTtl);
    if (!d) return std::unexpected(field_error("", "ttl", rule));
    return *d;
  }
  return std::unexpected(field_error("", "ttl", rule));
}

// The topics and exp of a payload whose MAC checked; nullopt for any other
// shape (never the case for a payload this code signed, but the key may
// have signed an older layout).
struct StreamTokenPayload {
  std::vector<std::string> topics;
  TimeMs exp = 0;
};

std::optional<StreamTokenPayload> read_payload(std::string_view text) {
  auto parsed_payload = parse_json(text, JsonLimits{.max_depth = 2});
  if (!parsed_payload || !parsed_payload->is_object()) return std::nullopt;
  auto t = parsed_payload->find("t");
  auto exp = parsed_payload->find("exp");
  if (t == parsed_payload->end() || exp == parsed_payload->end() || !t->is_array() || t->empty() ||
      t->size() > kMaxStreamTokenTopics || !exp->is_number_integer()) {
    return std::nullopt;
  }
  StreamTokenPayload out;
  if (exp->is_number_unsigned()) {
    auto u = exp->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    out.exp = static_cast<TimeMs>(u);
  } else {
    out.exp = exp->get<int64_t>();
  }
  for (const auto& topic : *t) {
    if (!topic.is_string() || !is_topic_name(topic.get_ref<const std::string&>())) return std::nullopt;
    out.topics.push_back(topic.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<std::string_view> stream_route_topic(std::string_view method, std::string_view path) {
  constexpr std::string_view kPrefix = "/api/v1/topics/";
  constexpr std::string_view kSuffix = "/stream";
  if (method != "GET" && method != "HEAD") return std::nullopt;
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
  std::string_view topic = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (topic.empty() || topic.find('/') != std::string_view::npos) return std::nullopt;
  return topic;
}

std::string_view token_check_message(TokenCheck check) {
  switch (check) {
    case TokenCheck::kOk:
      return "the stream token is valid";
    case TokenCheck::kMalformed:
      return "the access token is not a stream token";
    case TokenCheck::kBadSignature:
      return "the stream token's signature does not match (forged, or issued under another admin token)";
    case TokenCheck::kExpired:
      return "the stream token expired (mint a new one and reconnect)";
    case TokenCheck::kWrongTopic:
      return "the stream token does not cover this topic";
  }
  return "the stream token is invalid";
}

Result<StreamTokenRequest> parse_stream_token_request(const nlohmann::json& body) {
  if (!body.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "a stream token request must be a JSON object");
  }
  SUNDIAL_TRY(check_known_fields(body, "", {"topics", "ttl"}));
  StreamTokenRequest request;
  auto topics = body.find("topics");
  if (topics == body.end()) {
    return std::unexpected(field_error("", "topics", "is required (an array of 1 to 20 topic names)"));
  }
  if (!topics->is_array()) {
    return std::unexpected(field_error("", "topics", "must be an array of 1 to 20 topic names"));
  }
  for (size_t i = 0; i < topics->size(); ++i) {
    const auto& topic = (*topics)[i];
    std::string field = "topics[" + std::to_string(i) + "]";
    if (!topic.is_string()) return std::unexpected(field_error("", field, "must be a string"));
    SUNDIAL_TRY(add_topic(request.topics, topic.get<std::string>(), field));
  }
  if (request.topics.empty()) {
    return std::unexpected(field_error("", "topics", "must list 1 to 20 distinct topics"));
  }
  if (auto ttl = body.find("ttl"); ttl != body.end()) {
    SUNDIAL_ASSIGN_OR_RETURN(request.ttl, read_ttl(*ttl));
  }
  return request;
}

StreamTokens::StreamTokens(std::string key) : key_(std::move(key)) {
  SUNDIAL_CHECK(key_.size() == kStreamTokenKeyBytes);
}

std::string StreamTokens::derive_key(std::string_view admin_token) {
  return hmac_sha256(admin_token, kKeyLabel);
}

std::string StreamTokens::random_key() {
  std::string key(kStreamTokenKeyBytes, '\0');
  SUNDIAL_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) == 1);
  return key;
}

Result<MintedToken> StreamTokens::mint(std::vector<std::string> topics, TimeMs now, DurationMs ttl) const {
  if (ttl < kMinStreamTokenTtl || ttl > kMaxStreamTokenTtl) {
    return std::unexpected(field_error("", "ttl",
                                       "must be from " + format_duration(kMinStreamTokenTtl) + " to " +
                                           format_duration(kMaxStreamTokenTtl)));
  }
  SUNDIAL_ASSIGN_OR_RETURN(auto distinct, distinct_topics(std::move(topics)));
  MintedToken minted;
  minted.expires_at = now + ttl;
  // ordered_json keeps the documented key order: {"t":[...],"exp":...}.
  nlohmann::ordered_json payload;
  payload["t"] = std::move(distinct);
  payload["exp"] = minted.expires_at;
  std::string signed_part = std::string(kTokenPrefix) + stream_b64url_encode(payload.dump());
  std::string mac = hmac_sha256(key_, signed_part);
  minted.token = std::move(signed_part) + "." + stream_b64url_encode(mac);
  return minted;
}

TokenCheck StreamTokens::verify(std::string_view token, std::string_view topic, TimeMs now,
                                TimeMs* expires_at) const {
  if (token.size() > kMaxStreamTokenBytes || !token.starts_with(kTokenPrefix)) return TokenCheck::kMalformed;
  size_t dot = token.find('.', kTokenPrefix.size());
  if (dot == std::string_view::npos || dot == kTokenPrefix.size()) return TokenCheck::kMalformed;
  std::string_view signed_part = token.substr(0, dot);
  std::string_view mac_text = token.substr(dot + 1);
  auto mac = stream_b64url_decode(mac_text);
  if (!mac || mac->size() != kMacBytes) return TokenCheck::kMalformed;
  // The MAC first: nothing of the payload is decoded before it is known to be ours.
  if (!constant_time_equal(hmac_sha256(key_, signed_part), *mac)) return TokenCheck::kBadSignature;
  auto payload_bytes = stream_b64url_decode(signed_part.substr(kTokenPrefix.size()));
  if (!payload_bytes) return TokenCheck::kMalformed;
  auto payload = read_payload(*payload_bytes);
  if (!payload) return TokenCheck::kMalformed;
  if (now >= payload->exp) return TokenCheck::kExpired;
  for (const auto& t : payload->topics) {
    if (t != topic) continue;
    if (expires_at != nullptr) *expires_at = payload->exp;
    return TokenCheck::kOk;
  }
  return TokenCheck::kWrongTopic;
}

}  // namespace sundial::api
