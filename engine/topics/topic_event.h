// The event bus's data (docs/events.md): an event published to a topic,
// the rules for what a publisher may send, and how events and a topic's
// head are stored in the `topics` column family (docs/storage-format.md):
//
//   'e' <topic> 0x00 <u64 seq>  → {"type", "data", "key"?, "id"?, "at"}
//   'i' <topic> 0x00 <id>       → <u64 seq>   (dedupe: the event's id)
//   'h' <topic>                 → {"first_seq", "last_seq", "count",
//                                  "bytes", "first_at"}
//
// A topic's events are contiguous and ordered by sequence number; an
// event's id row lives exactly as long as the event does (retention
// deletes both), so an id dedupes for as long as its event is kept.
//
// Threading: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

inline constexpr size_t kMaxTopicName = 100;
inline constexpr size_t kMaxEventType = 100;
inline constexpr size_t kMaxEventKey = 200;
inline constexpr size_t kMaxEventId = 512;  // a step's idempotency key fits
inline constexpr size_t kMaxEventDataBytes = 64 * 1024;

// What a publisher sends.
struct PublishRequest {
  std::string topic;
  std::string type;
  nlohmann::json data = nlohmann::json::object();
  std::string key;  // optional: what the event is about ("project-7"); empty: none
  std::string id;   // optional: a repeat with the same id publishes nothing; empty: none
};

// An event as stored and delivered.
struct TopicEvent {
  std::string topic;
  uint64_t seq = 0;
  std::string type;
  nlohmann::json data;
  std::string key;
  std::string id;
  TimeMs published_at = 0;
};

// A topic's bounds and counters, kept in its head row.
struct TopicHead {
  uint64_t first_seq = 0;  // the oldest event kept; 0 while none is kept
  uint64_t last_seq = 0;   // the newest event committed
  uint64_t count = 0;      // events kept
  uint64_t bytes = 0;      // their encoded size
  TimeMs first_at = 0;     // when the oldest event kept was published
};

// invalid_argument unless `topic` is 1-100 bytes of [A-Za-z0-9._-] and not
// only dots (topic names travel in URL paths).
Result<void> check_topic_name(std::string_view topic);
// invalid_argument naming the field for a request that cannot be
// published: a bad topic, a type that is not 1-100 bytes of valid UTF-8
// without control characters, a key or id longer than 200 bytes or with
// control characters, data that is not storable or encodes to over 64 KiB.
Result<void> check_publish(const PublishRequest& request);

// A publish from its JSON form, {"type", "data"?, "key"?, "id"?} (the
// body of POST /api/v1/topics/{topic}/events, a subscription's or a
// script's table): invalid_argument naming the field, for unknown fields
// too, and anything check_publish refuses. `data` defaults to {}.
Result<PublishRequest> parse_publish_request(const nlohmann::json& body, std::string topic);

std::string topic_event_key(std::string_view topic, uint64_t seq);
// The first row key of `topic`'s events; with topic_events_end, the range
// of all of them.
std::string topic_events_begin(std::string_view topic);
std::string topic_events_end(std::string_view topic);
std::string topic_id_key(std::string_view topic, std::string_view id);
std::string topic_head_key(std::string_view topic);
// The topic of a head row key; nullopt for another row.
std::optional<std::string_view> topic_of_head_key(std::string_view row_key);
inline constexpr std::string_view kTopicHeadPrefix = "h";

// The stored value: what the event row holds (the topic and seq are in its key).
std::string encode_topic_event(const TopicEvent& event);
// corruption when the bytes are not an event.
Result<TopicEvent> decode_topic_event(std::string_view topic, uint64_t seq, std::string_view bytes);
std::string encode_topic_head(const TopicHead& head);
Result<TopicHead> decode_topic_head(std::string_view topic, std::string_view bytes);

// The event as the API, SSE and workflows see it: {"topic", "seq", "type",
// "key"?, "id"?, "data", "published_at"}.
nlohmann::json topic_event_to_json(const TopicEvent& event);

}  // namespace sundial
