// Stream tokens: scoped, signed, expiring tokens that let a browser's
// EventSource (which cannot send an Authorization header) read topic
// streams. The admin route `POST /api/v1/stream-tokens` with
// `{"topics": [...], "ttl"?}` mints one and answers
// `{"token", "expires_at"}`; a stream route accepts it as
// `?access_token=` (and only stream routes do).
//
// Format (other tooling reads it; do not change without a new prefix):
//
//   "st1." + B64URL({"t":[topics],"exp":<ms>}) + "." + B64URL(MAC)
//   MAC = HMAC-SHA256(key, "st1." + B64URL(payload))
//
// B64URL is base64url without padding (RFC 4648 section 5). `exp` is
// milliseconds since the Unix epoch; a token is valid while now < exp.
// Nothing is stored: a token is good until it expires or the key changes.
// The key is derive_key(admin token), so rotating the admin token revokes
// every stream token; with no admin token the daemon uses random_key(),
// and a restart revokes them.
//
// verify() takes hostile input: it bounds the length before decoding,
// checks the MAC (in constant time) before parsing the payload, checks
// every type, and never throws.
//
// Threading: StreamTokens is immutable after construction; mint and
// verify may run on any thread. The parsers are pure functions.
// Ownership: StreamTokens owns a copy of its key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial::api {

// Bytes of a stream token key (derive_key, random_key).
inline constexpr size_t kStreamTokenKeyBytes = 32;
// A token longer than this is malformed without being decoded. 20 topics
// of 100 bytes make a token of about 2.8 KiB.
inline constexpr size_t kMaxStreamTokenBytes = 4096;
// Distinct topics per token: 1 to this.
inline constexpr size_t kMaxStreamTokenTopics = 20;
// Lifetime of a token: default, least and most.
inline constexpr DurationMs kDefaultStreamTokenTtl = kHourMs;
inline constexpr DurationMs kMinStreamTokenTtl = kSecondMs;
inline constexpr DurationMs kMaxStreamTokenTtl = kDayMs;

// The body of `POST /api/v1/stream-tokens`, checked.
struct StreamTokenRequest {
  std::vector<std::string> topics;  // distinct, valid, in the order first given
  DurationMs ttl = kDefaultStreamTokenTtl;
};

struct MintedToken {
  std::string token;
  TimeMs expires_at = 0;  // the token's exp: valid while now < expires_at
};

// What verify() found. Only kOk lets the stream be read.
enum class TokenCheck {
  kOk,
  kMalformed,     // not a stream token: too long, wrong prefix or shape, bad base64url or payload
  kBadSignature,  // shaped right, but the MAC is not this key's (tampered, or another key)
  kExpired,       // genuine, but now >= exp
  kWrongTopic,    // genuine and unexpired, but it does not cover the topic asked for
};

// The topic of a topic stream route (GET /api/v1/topics/{topic}/stream),
// the only routes a stream token opens; nullopt for any other request.
std::optional<std::string_view> stream_route_topic(std::string_view method, std::string_view path);

// A short sentence for an answer or a log line, e.g. "the stream token
// expired (mint a new one and reconnect)".
std::string_view token_check_message(TokenCheck check);

// Reads `{"topics": [...], "ttl"?}`: topics is an array of 1 to 20
// distinct topic names (check_topic_name, engine/topics/topic_event.h:
// 1-100 bytes of [A-Za-z0-9._-], not only dots; repeats are dropped); ttl is a number of seconds
// (an integer, 1 to 86400) or a duration string ("30m", 1s to 1d), by
// default 1 h. Unknown fields are refused. Errors are invalid_argument and
// name the field ("topics[2] must be ...", "ttl must be ...").
Result<StreamTokenRequest> parse_stream_token_request(const nlohmann::json& body);

class StreamTokens {
 public:
  // `key` must be kStreamTokenKeyBytes long (SUNDIAL_CHECK): one of the two below.
  explicit StreamTokens(std::string key);

  // HMAC-SHA256(admin_token, "sundial stream tokens v1"): the same for the
  // same admin token, across restarts.
  static std::string derive_key(std::string_view admin_token);
  // 32 bytes from OpenSSL's RAND_bytes, for a daemon without an admin token.
  // Aborts if the generator fails (it cannot after start-up).
  static std::string random_key();

  // A token for `topics` (checked and deduplicated as parse_stream_token_request
  // does) that expires at now + ttl; ttl from 1 s to 24 h. invalid_argument
  // naming "topics" or "ttl" otherwise.
  Result<MintedToken> mint(std::vector<std::string> topics, TimeMs now,
                           DurationMs ttl = kDefaultStreamTokenTtl) const;

  // Whether `token` lets its bearer read `topic` at `now`; with kOk,
  // `expires_at` (when given) gets the token's exp. Never throws.
  TokenCheck verify(std::string_view token, std::string_view topic, TimeMs now,
                    TimeMs* expires_at = nullptr) const;

 private:
  std::string key_;
};

}  // namespace sundial::api
