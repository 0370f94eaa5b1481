// SubscriptionSpec: what a subscription is (docs/events.md,
// "Subscriptions"), as a value. One parser reads it for every way one
// comes in: POST /api/v1/subscriptions, sundiald.toml ([subscriptions.ID],
// turned into the same JSON), and the stored record (the canonical JSON):
//
//   {"id", "topic",
//    "filter"?: {"type"?, "data"?: {field: value, ...}},
//    "action": {"start":   {"type", "id"?, "concurrency"?, "id_reuse"?}}
//            | {"signal":  {"id", "name", "optional"?}}
//            | {"enqueue": {"queue", ...the task's fields, payload excepted}},
//    "from"?: "latest" | <seq>}
//
// The event ({"topic", "seq", "type", "key"?, "id"?, "data",
// "published_at"}) is the started instance's input, the signal's payload
// and the task's payload. Text fields that name things (start.id,
// concurrency.key, signal.id) may hold placeholders the event fills in:
// {topic} {seq} {type} {key} {id} {data.FIELD} (FIELD a dotted path into
// the data; its value a string, number or boolean).
//
// A filter matches when the type is equal (if given) and each `data`
// field, a dotted path, holds a JSON value equal to the one given.
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/topics/topic_event.h"

namespace sundial {

enum class SubscriptionActionKind : uint8_t { kStart, kSignal, kEnqueue };
// Where a subscription was declared; only those of the API may be deleted
// through it.
enum class SubscriptionSource : uint8_t { kApi, kConfig, kScript };

struct SubscriptionSpec {
  std::string id;
  std::string topic;
  std::string filter_type;                                // empty: any type
  nlohmann::json filter_data = nlohmann::json::object();  // path → value
  SubscriptionActionKind kind = SubscriptionActionKind::kStart;
  nlohmann::json action = nlohmann::json::object();  // the body under the kind's name
  std::optional<uint64_t> from;                      // none: "latest"
};

inline constexpr size_t kMaxSubscriptionId = 100;
inline constexpr size_t kMaxFilterFields = 20;

// Subscription ids: 1-100 of [A-Za-z0-9._-], not only dots.
Result<void> validate_subscription_id(std::string_view id);
// `body` as a subscription: invalid_argument naming the field.
Result<SubscriptionSpec> parse_subscription_spec(const nlohmann::json& body);
// The spec as JSON with every default filled in: what GET shows and what
// is stored; parse_subscription_spec reads it back to an equal spec.
nlohmann::json subscription_spec_json(const SubscriptionSpec& spec);

bool filter_matches(const SubscriptionSpec& spec, const TopicEvent& event);
// `text` with its placeholders filled from `event`; invalid_argument
// naming a placeholder the event cannot fill.
Result<std::string> fill_placeholders(std::string_view text, const TopicEvent& event);

std::string_view subscription_action_name(SubscriptionActionKind k);
std::string_view subscription_source_name(SubscriptionSource s);
std::optional<SubscriptionSource> parse_subscription_source(std::string_view name);

}  // namespace sundial
