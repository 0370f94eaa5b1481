#include "engine/topics/topic_event.h"

#include <algorithm>

#include "engine/base/coding.h"
#include "engine/base/json_fields.h"
#include "engine/base/utf8.h"
#include "engine/codec/stored_json.h"

namespace sundial {

using nlohmann::json;
namespace sj = stored_json;

namespace {

std::unexpected<Error> publish_invalid(std::string message) {
  return std::unexpected(Error{ErrorCode::kInvalidArgument, std::move(message)});
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// 1-`max` bytes (0-`max` when optional) of valid UTF-8 without control characters.
Result<void> check_event_text(std::string_view field, std::string_view value, size_t max, bool optional) {
  if ((!optional && value.empty()) || value.size() > max) {
    return publish_invalid(std::string(field) + " must be " + (optional ? "at most " : "1-") +
                           std::to_string(max) + " bytes (this one is " + std::to_string(value.size()) + ")");
  }
  SUNDIAL_TRY(check_utf8(field, value));
  if (has_control_char(value)) return publish_invalid(std::string(field) + " holds a control character");
  return ok();
}

// 'x' <topic> 0x00: the rows of one kind of one topic.
std::string topic_row_prefix(char kind, std::string_view topic) {
  std::string row(1, kind);
  row.append(topic);
  row.push_back('\0');
  return row;
}

Error corrupt_topic_row(std::string_view what, std::string_view topic, std::string_view why) {
  return Error{ErrorCode::kCorruption, "stored " + std::string(what) + " of topic '" + std::string(topic) +
                                           "' cannot be decoded: " + std::string(why)};
}

}  // namespace

Result<void> check_topic_name(std::string_view topic) {
  bool ok = !topic.empty() && topic.size() <= kMaxTopicName &&
            std::all_of(topic.begin(), topic.end(),
                        [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                 c == '.' || c == '_' || c == '-';
                        }) &&
            topic.find_first_not_of('.') != std::string_view::npos;
  if (ok) return sundial::ok();
  return publish_invalid("topic '" + repair_utf8(topic.substr(0, 80)) + "' must be 1-" +
                         std::to_string(kMaxTopicName) + " characters of A-Z a-z 0-9 . _ - (not only dots)");
}

Result<void> check_publish(const PublishRequest& r) {
  SUNDIAL_TRY(check_topic_name(r.topic));
  SUNDIAL_TRY(check_event_text("type", r.type, kMaxEventType, false));
  SUNDIAL_TRY(check_event_text("key", r.key, kMaxEventKey, true));
  SUNDIAL_TRY(check_event_text("id", r.id, kMaxEventId, true));
  SUNDIAL_TRY(check_storable(r.data, "data"));
  size_t bytes = r.data.dump().size();  // storable: valid UTF-8, so dump() cannot throw
  if (bytes > kMaxEventDataBytes) {
    return publish_invalid("data encodes to " + std::to_string(bytes) + " bytes; at most " +
                           std::to_string(kMaxEventDataBytes) + " are accepted");
  }
  return ok();
}

Result<PublishRequest> parse_publish_request(const json& body, std::string topic) {
  if (!body.is_object())
    return publish_invalid("an event must be a JSON object {\"type\", \"data\"?, \"key\"?, \"id\"?}");
  SUNDIAL_TRY(check_known_fields(body, "", {"type", "data", "key", "id"}));
  PublishRequest r;
  r.topic = std::move(topic);
  for (auto [field, out] : {std::pair{"type", &r.type}, std::pair{"key", &r.key}, std::pair{"id", &r.id}}) {
    auto it = body.find(field);
    if (it == body.end()) continue;
    if (!it->is_string()) return publish_invalid(std::string(field) + " must be a string");
    *out = it->get<std::string>();
  }
  if (r.type.empty()) return publish_invalid("type is required: a non-empty string");
  if (auto it = body.find("data"); it != body.end()) r.data = *it;
  SUNDIAL_TRY(check_publish(r));
  return r;
}

std::string topic_event_key(std::string_view topic, uint64_t seq) {
  std::string row = topic_row_prefix('e', topic);
  put_u64_be(row, seq);
  return row;
}

std::string topic_events_begin(std::string_view topic) { return topic_row_prefix('e', topic); }
std::string topic_events_end(std::string_view topic) {
  return prefix_successor(topic_row_prefix('e', topic));
}

std::string topic_id_key(std::string_view topic, std::string_view id) {
  std::string row = topic_row_prefix('i', topic);
  row.append(id);
  return row;
}

std::string topic_head_key(std::string_view topic) {
  return std::string(kTopicHeadPrefix) + std::string(topic);
}

std::optional<std::string_view> topic_of_head_key(std::string_view row_key) {
  if (!row_key.starts_with(kTopicHeadPrefix) || row_key.size() == kTopicHeadPrefix.size())
    return std::nullopt;
  return row_key.substr(kTopicHeadPrefix.size());
}

std::string encode_topic_event(const TopicEvent& e) {
  json j = {{"type", e.type}, {"data", e.data}, {"at", e.published_at}};
  if (!e.key.empty()) j["key"] = e.key;
  if (!e.id.empty()) j["id"] = e.id;
  // Every string passed check_publish.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<TopicEvent> decode_topic_event(std::string_view topic, uint64_t seq, std::string_view bytes) {
  auto parsed = sj::parse_object(bytes, "topic event");
  if (!parsed)
    return std::unexpected(corrupt_topic_row("event " + std::to_string(seq), topic, parsed.error().message));
  json& j = *parsed;
  TopicEvent e;
  e.topic = std::string(topic);
  e.seq = seq;
  if (!j.contains("data") || !sj::read(j, "type", e.type) || !sj::read(j, "at", e.published_at) ||
      !sj::read(j, "key", e.key) || !sj::read(j, "id", e.id)) {
    return std::unexpected(
        corrupt_topic_row("event " + std::to_string(seq), topic, "a field is missing or mistyped"));
  }
  e.data = std::move(j["data"]);
  return e;
}

std::string encode_topic_head(const TopicHead& h) {
  return json{{"first_seq", h.first_seq},
              {"last_seq", h.last_seq},
              {"count", h.count},
              {"bytes", h.bytes},
              {"first_at", h.first_at}}
      .dump();
}

Result<TopicHead> decode_topic_head(std::string_view topic, std::string_view bytes) {
  auto parsed = sj::parse_object(bytes, "topic head");
  if (!parsed) return std::unexpected(corrupt_topic_row("head", topic, parsed.error().message));
  TopicHead h;
  if (!sj::read(*parsed, "first_seq", h.first_seq) || !sj::read(*parsed, "last_seq", h.last_seq) ||
      !sj::read(*parsed, "count", h.count) || !sj::read(*parsed, "bytes", h.bytes) ||
      !sj::read(*parsed, "first_at", h.first_at)) {
    return std::unexpected(corrupt_topic_row("head", topic, "a field has the wrong type"));
  }
  return h;
}

json topic_event_to_json(const TopicEvent& e) {
  json j = {{"topic", e.topic}, {"seq", e.seq}, {"type", e.type}};
  if (!e.key.empty()) j["key"] = e.key;
  if (!e.id.empty()) j["id"] = e.id;
  j["data"] = e.data;
  j["published_at"] = e.published_at;
  return j;
}

}  // namespace sundial
