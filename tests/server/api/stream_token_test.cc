// api::StreamTokens and parse_stream_token_request: tokens round-trip,
// expire at exp, cover only their topics, and any change to their bytes,
// any other key, truncation, garbage or excess length is refused without
// a throw; the route body's errors name the field.
#include "server/api/stream_token.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "engine/topics/topic_event.h"

namespace sundial::api {
namespace {

using nlohmann::json;

constexpr TimeMs kNow = 1767225600000;  // 2026-01-01

StreamTokens tokens_for(std::string_view admin_token) {
  return StreamTokens(StreamTokens::derive_key(admin_token));
}

std::string mint(const StreamTokens& tokens, std::vector<std::string> topics, DurationMs ttl = kHourMs) {
  auto minted = tokens.mint(std::move(topics), kNow, ttl);
  EXPECT_TRUE(minted.has_value()) << minted.error().to_string();
  return minted ? minted->token : "";
}

// The middle part of a token, decoded (base64url without padding).
json payload_of(std::string_view token) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string b64(token.substr(first + 1, second - first - 1));
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto bytes = base64_decode(b64);
  EXPECT_TRUE(bytes.has_value());
  return json::parse(bytes.value_or("null"));
}

std::string b64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

// A token signed with `key` around any payload text.
std::string sign(std::string_view key, std::string_view payload) {
  std::string signed_part = "st1." + b64url(payload);
  return signed_part + "." + b64url(hmac_sha256(key, signed_part));
}

std::string error_of(const json& body) {
  auto r = parse_stream_token_request(body);
  EXPECT_FALSE(r.has_value()) << body.dump();
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

TEST(StreamTokenTest, RoundTripsAndHasTheDocumentedShape) {
  StreamTokens tokens = tokens_for("admin-secret");
  auto minted = tokens.mint({"orders", "instances.greet"}, kNow, 30 * kMinuteMs);
  ASSERT_TRUE(minted.has_value()) << minted.error().to_string();
  EXPECT_EQ(minted->expires_at, kNow + 30 * kMinuteMs);
  EXPECT_TRUE(minted->token.starts_with("st1."));
  EXPECT_EQ(minted->token.find_first_of("=+/"), std::string::npos);
  EXPECT_EQ(payload_of(minted->token), json::parse(R"({"t":["orders","instances.greet"],"exp":)" +
                                                   std::to_string(kNow + 30 * kMinuteMs) + "}"));
  // The payload's bytes, in the documented key order.
  size_t second = minted->token.find('.', 4);
  EXPECT_EQ(minted->token.substr(4, second - 4), b64url(R"({"t":["orders","instances.greet"],"exp":)" +
                                                        std::to_string(kNow + 30 * kMinuteMs) + "}"));
  // The MAC is HMAC-SHA256(key, "st1." + payload), base64url.
  EXPECT_EQ(minted->token.substr(second + 1),
            b64url(hmac_sha256(StreamTokens::derive_key("admin-secret"), minted->token.substr(0, second))));

  EXPECT_EQ(tokens.verify(minted->token, "orders", kNow), TokenCheck::kOk);
  EXPECT_EQ(tokens.verify(minted->token, "instances.greet", kNow + 1000), TokenCheck::kOk);
}

TEST(StreamTokenTest, ValidWhileNowIsBeforeExp) {
  StreamTokens tokens = tokens_for("admin-secret");
  auto minted = tokens.mint({"orders"}, kNow, kMinuteMs);
  ASSERT_TRUE(minted.has_value());
  EXPECT_EQ(tokens.verify(minted->token, "orders", minted->expires_at - 1), TokenCheck::kOk);
  EXPECT_EQ(tokens.verify(minted->token, "orders", minted->expires_at), TokenCheck::kExpired);
  EXPECT_EQ(tokens.verify(minted->token, "orders", minted->expires_at + kDayMs), TokenCheck::kExpired);
  // Expiry is checked before the topic.
  EXPECT_EQ(tokens.verify(minted->token, "other", minted->expires_at), TokenCheck::kExpired);
}

TEST(StreamTokenTest, CoversOnlyItsTopics) {
  StreamTokens tokens = tokens_for("admin-secret");
  std::string token = mint(tokens, {"orders", "billing"});
  EXPECT_EQ(tokens.verify(token, "orders", kNow), TokenCheck::kOk);
  EXPECT_EQ(tokens.verify(token, "shipping", kNow), TokenCheck::kWrongTopic);
  EXPECT_EQ(tokens.verify(token, "Orders", kNow), TokenCheck::kWrongTopic);
  EXPECT_EQ(tokens.verify(token, "orders.x", kNow), TokenCheck::kWrongTopic);
  EXPECT_EQ(tokens.verify(token, "", kNow), TokenCheck::kWrongTopic);
}

TEST(StreamTokenTest, TamperedPayloadOrSignatureIsRefused) {
  StreamTokens tokens = tokens_for("admin-secret");
  std::string token = mint(tokens, {"orders"});
  size_t second = token.find('.', 4);
  // Every byte of the payload part, changed to another base64url character.
  for (size_t i = 4; i < second; ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    // The MAC covers the payload's text, so it fails before any decoding.
    EXPECT_EQ(tokens.verify(bad, "orders", kNow), TokenCheck::kBadSignature) << i;
  }
  // Every byte of the MAC part but the last (whose low bits base64url
  // decoding refuses as non-canonical, a malformed token).
  for (size_t i = second + 1; i + 1 < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(tokens.verify(bad, "orders", kNow), TokenCheck::kBadSignature) << i;
  }
  // A payload widened to another topic and a later exp, with the old MAC.
  std::string widened =
      "st1." + b64url(R"({"t":["orders","admin"],"exp":)" + std::to_string(kNow + 100 * kDayMs) + "}") +
      token.substr(second);
  EXPECT_EQ(tokens.verify(widened, "admin", kNow), TokenCheck::kBadSignature);
  // Another prefix version with the same parts.
  EXPECT_EQ(tokens.verify("st2." + token.substr(4), "orders", kNow), TokenCheck::kMalformed);
}

TEST(StreamTokenTest, TruncatedTokensAreRefused) {
  StreamTokens tokens = tokens_for("admin-secret");
  std::string token = mint(tokens, {"orders"});
  for (size_t n = 0; n < token.size(); ++n) {
    EXPECT_NE(tokens.verify(token.substr(0, n), "orders", kNow), TokenCheck::kOk) << n;
  }
  EXPECT_EQ(tokens.verify(token.substr(0, token.size() - 1), "orders", kNow), TokenCheck::kMalformed);
  EXPECT_EQ(tokens.verify(token.substr(0, token.find('.', 4) + 1), "orders", kNow), TokenCheck::kMalformed);
  EXPECT_EQ(tokens.verify(token + "A", "orders", kNow), TokenCheck::kMalformed);
  EXPECT_EQ(tokens.verify(token + ".", "orders", kNow), TokenCheck::kMalformed);
}

TEST(StreamTokenTest, GarbageIsMalformedAndNeverThrows) {
  StreamTokens tokens = tokens_for("admin-secret");
  const std::string garbage[] = {
      "",
      "st1.",
      "st1..",
      "st1.a.b",
      "st1.a.b.c",
      "Bearer xyz",
      "st1.====.====",
      "st1.e30.AAAA",
      std::string("st1.\0\xff\x80.\x01", 9),
      "st1." + std::string(100, '.'),
      "st1." + b64url("{}") + "." + std::string(43, '_'),
  };
  for (const auto& g : garbage) {
    EXPECT_NE(tokens.verify(g, "orders", kNow), TokenCheck::kOk) << g;
  }
  EXPECT_EQ(tokens.verify("", "orders", kNow), TokenCheck::kMalformed);
  EXPECT_EQ(tokens.verify("st1.a.b", "orders", kNow), TokenCheck::kMalformed);
}

TEST(StreamTokenTest, CorrectlySignedButWrongPayloadsAreMalformed) {
  // What only the key's holder could make: the MAC checks, the payload does not.
  std::string key = StreamTokens::derive_key("admin-secret");
  StreamTokens tokens(key);
  const std::string payloads[] = {
      "not json",
      "[]",
      "{}",
      R"({"t":[],"exp":9999999999999})",
      R"({"t":"orders","exp":9999999999999})",
      R"({"t":["orders"]})",
      R"({"t":["orders"],"exp":"9999999999999"})",
      R"({"t":["orders"],"exp":1.5e13})",
      R"({"t":["orders"],"exp":18446744073709551615})",
      R"({"t":[["orders"]],"exp":9999999999999})",
      R"({"t":[1],"exp":9999999999999})",
      R"({"t":["bad topic"],"exp":9999999999999})",
      R"({"t":["orders"],"exp":9999999999999)",
      R"({"t":[[[[[["orders"]]]]]],"exp":9999999999999})",
  };
  for (const auto& p : payloads) {
    EXPECT_EQ(tokens.verify(sign(key, p), "orders", kNow), TokenCheck::kMalformed) << p;
  }
  // And a well-formed one made the same way passes: the test's signing is right.
  EXPECT_EQ(tokens.verify(sign(key, R"({"t":["orders"],"exp":9999999999999})"), "orders", kNow),
            TokenCheck::kOk);
}

TEST(StreamTokenTest, OversizeTokensAreMalformedBeforeTheMacIsChecked) {
  std::string key = StreamTokens::derive_key("admin-secret");
  StreamTokens tokens(key);
  // Correctly signed but longer than the bound: refused by length alone.
  std::string big_topic(kMaxTopicName, 'x');
  json t = json::array();
  for (int i = 0; i < 30; ++i) t.push_back(big_topic + std::to_string(i));
  std::string payload = json{{"t", t}, {"exp", kNow + kHourMs}}.dump();
  std::string token = sign(key, payload);
  ASSERT_GT(token.size(), kMaxStreamTokenBytes);
  EXPECT_EQ(tokens.verify(token, big_topic + "0", kNow), TokenCheck::kMalformed);
  EXPECT_EQ(tokens.verify(std::string(1 << 20, 'A'), "orders", kNow), TokenCheck::kMalformed);
  // The largest token mint makes (20 topics of 100 bytes) fits.
  std::vector<std::string> topics;
  for (int i = 0; i < 20; ++i) topics.push_back(std::string(kMaxTopicName - 2, 'y') + std::to_string(10 + i));
  std::string largest = mint(tokens, topics, kDayMs);
  EXPECT_LE(largest.size(), kMaxStreamTokenBytes);
  EXPECT_EQ(tokens.verify(largest, topics.back(), kNow), TokenCheck::kOk);
}

TEST(StreamTokenTest, KeyDerivationIsStableAndKeysRejectEachOther) {
  EXPECT_EQ(StreamTokens::derive_key("admin-secret"), StreamTokens::derive_key("admin-secret"));
  EXPECT_EQ(StreamTokens::derive_key("admin-secret").size(), kStreamTokenKeyBytes);
  EXPECT_EQ(StreamTokens::derive_key("admin-secret"),
            hmac_sha256("admin-secret", "sundial stream tokens v1"));
  EXPECT_NE(StreamTokens::derive_key("admin-secret"), StreamTokens::derive_key("admin-secret2"));

  std::string r1 = StreamTokens::random_key();
  std::string r2 = StreamTokens::random_key();
  EXPECT_EQ(r1.size(), kStreamTokenKeyBytes);
  EXPECT_NE(r1, r2);

  StreamTokens a = tokens_for("admin-secret");
  StreamTokens a_again = tokens_for("admin-secret");  // a restart with the same admin token
  StreamTokens b = tokens_for("rotated");
  StreamTokens random(r1);
  std::string token = mint(a, {"orders"});
  EXPECT_EQ(a_again.verify(token, "orders", kNow), TokenCheck::kOk);
  EXPECT_EQ(b.verify(token, "orders", kNow), TokenCheck::kBadSignature);
  EXPECT_EQ(random.verify(token, "orders", kNow), TokenCheck::kBadSignature);
  EXPECT_EQ(a.verify(mint(random, {"orders"}), "orders", kNow), TokenCheck::kBadSignature);
}

TEST(StreamTokenTest, MintChecksTopicsAndTtl) {
  StreamTokens tokens = tokens_for("admin-secret");
  auto error = [&](std::vector<std::string> topics, DurationMs ttl) {
    auto r = tokens.mint(std::move(topics), kNow, ttl);
    EXPECT_FALSE(r.has_value());
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(error({}, kHourMs), "topics must list 1 to 20 distinct topics");
  EXPECT_EQ(error({"ok", "bad topic"}, kHourMs),
            "topics[1] must be 1 to 100 characters of [A-Za-z0-9._-], not only dots, got 'bad topic'");
  EXPECT_EQ(error({std::string(101, 'a')}, kHourMs),
            "topics[0] must be 1 to 100 characters of [A-Za-z0-9._-], not only dots, got '" +
                std::string(101, 'a') + "'");
  EXPECT_EQ(error({""}, kHourMs),
            "topics[0] must be 1 to 100 characters of [A-Za-z0-9._-], not only dots, got ''");
  // A long name is cut in the message.
  EXPECT_EQ(error({std::string(5000, 'b') + "!"}, kHourMs),
            "topics[0] must be 1 to 100 characters of [A-Za-z0-9._-], not only dots, got '" +
                std::string(120, 'b') + "...'");
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(error(many, kHourMs), "topics must list 1 to 20 distinct topics");
  EXPECT_EQ(error({"orders"}, 999), "ttl must be from 1s to 1d");
  EXPECT_EQ(error({"orders"}, kDayMs + 1), "ttl must be from 1s to 1d");
  EXPECT_EQ(error({"orders"}, -kHourMs), "ttl must be from 1s to 1d");

  // The bounds themselves, and repeats dropped in order.
  EXPECT_TRUE(tokens.mint({"a"}, kNow, kSecondMs).has_value());
  EXPECT_TRUE(tokens.mint({"a"}, kNow, kDayMs).has_value());
  many.pop_back();
  many.push_back("t0");  // 21 entries, 20 distinct
  EXPECT_TRUE(tokens.mint(many, kNow, kHourMs).has_value());
  auto minted = tokens.mint({"b", "a", "b", "a"}, kNow, kHourMs);
  ASSERT_TRUE(minted.has_value());
  EXPECT_EQ(payload_of(minted->token)["t"], json::parse(R"(["b","a"])"));
  EXPECT_TRUE(tokens.mint({std::string(100, 'z'), "A.b_c-9"}, kNow, kHourMs).has_value());
}

TEST(StreamTokenTest, TokenCheckMessagesAreSentences) {
  for (TokenCheck c : {TokenCheck::kOk, TokenCheck::kMalformed, TokenCheck::kBadSignature,
                       TokenCheck::kExpired, TokenCheck::kWrongTopic}) {
    EXPECT_FALSE(token_check_message(c).empty());
  }
  EXPECT_TRUE(token_check_message(TokenCheck::kExpired).starts_with("the stream token expired"));
}

TEST(StreamTokenTest, TopicNamesFollowTheEngineRule) {
  StreamTokens tokens = tokens_for("admin-secret");
  EXPECT_TRUE(tokens.mint({"orders.eu-1_x", ".hidden", "a..b"}, kNow, kHourMs).has_value());
  for (const char* bad : {".", "..", "...", "orders/eu", "orders eu", "ordérs", "a\nb"}) {
    auto r = tokens.mint({bad}, kNow, kHourMs);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().message.starts_with("topics[0] must be 1 to 100 characters")) << r.error().message;
  }
  // A message quoting bytes that are not UTF-8 stays UTF-8.
  auto r = tokens.mint({"a\xff"}, kNow, kHourMs);
  ASSERT_FALSE(r.has_value());
  EXPECT_NO_THROW((void)nlohmann::json(r.error().message).dump());
}

TEST(StreamTokenRequestTest, ReadsTopicsAndTtl) {
  auto r = parse_stream_token_request(json::parse(R"({"topics":["orders","billing","orders"]})"));
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->topics, (std::vector<std::string>{"orders", "billing"}));
  EXPECT_EQ(r->ttl, kHourMs);

  r = parse_stream_token_request(json::parse(R"({"topics":["orders"],"ttl":90})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, 90 * kSecondMs);
  r = parse_stream_token_request(json::parse(R"({"topics":["orders"],"ttl":"30m"})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, 30 * kMinuteMs);
  r = parse_stream_token_request(json::parse(R"({"topics":["orders"],"ttl":"1d"})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, kDayMs);
  r = parse_stream_token_request(json::parse(R"({"topics":["orders"],"ttl":86400})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, kDayMs);
  r = parse_stream_token_request(json::parse(R"({"topics":["orders"],"ttl":1})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, kSecondMs);
}

TEST(StreamTokenRequestTest, ErrorsNameTheField) {
  const std::string ttl_rule =
      "ttl must be a number of seconds from 1 to 86400 or a duration such as \"30m\" from 1s to 1d";
  EXPECT_EQ(error_of(json::parse("[]")), "a stream token request must be a JSON object");
  EXPECT_EQ(error_of(json::parse("null")), "a stream token request must be a JSON object");
  EXPECT_EQ(error_of(json::parse("{}")), "topics is required (an array of 1 to 20 topic names)");
  EXPECT_EQ(error_of(json::parse(R"({"topics":"orders"})")),
            "topics must be an array of 1 to 20 topic names");
  EXPECT_EQ(error_of(json::parse(R"({"topics":[]})")), "topics must list 1 to 20 distinct topics");
  EXPECT_EQ(error_of(json::parse(R"({"topics":["a",7]})")), "topics[1] must be a string");
  EXPECT_EQ(error_of(json::parse(R"({"topics":["a",null]})")), "topics[1] must be a string");
  EXPECT_EQ(error_of(json::parse(R"({"topics":["a b"]})")),
            "topics[0] must be 1 to 100 characters of [A-Za-z0-9._-], not only dots, got 'a b'");
  EXPECT_EQ(error_of(json::parse(R"({"topics":["a"],"scope":"all"})")),
            "unknown field 'scope' (expected topics, ttl)");
  json many = {{"topics", json::array()}};
  for (int i = 0; i < 21; ++i) many["topics"].push_back("t" + std::to_string(i));
  EXPECT_EQ(error_of(many), "topics must list 1 to 20 distinct topics");

  for (const char* ttl : {"0", "86401", "-5", "1.5", "\"0s\"", "\"2d\"", "\"500ms\"", "\"soon\"", "null",
                          "true", "[60]", "18446744073709551615"}) {
    EXPECT_EQ(error_of(json::parse(std::string(R"({"topics":["a"],"ttl":)") + ttl + "}")), ttl_rule) << ttl;
  }
}

}  // namespace
}  // namespace sundial::api
