#include "engine/topics/subscription_spec.h"

#include <algorithm>
#include <array>

#include "engine/base/json_fields.h"
#include "engine/base/json_rules.h"
#include "engine/base/utf8.h"
#include "engine/codec/codec.h"
#include "engine/model/concurrency.h"
#include "engine/model/id_reuse.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_spec_json.h"

namespace sundial {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kActionNames = {"start", "signal", "enqueue"};
constexpr std::array<std::string_view, 3> kSourceNames = {"api", "config", "script"};
// Fields of an enqueue the subscription decides itself.
constexpr std::array<std::string_view, 4> kOwnedTaskFields = {"id", "dedupe_key", "payload", "queue"};

std::unexpected<Error> spec_invalid(std::string message) {
  return std::unexpected(Error{ErrorCode::kInvalidArgument, std::move(message)});
}

Result<std::string> spec_text(const json& object, std::string_view where, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(field_error(where, field, "is required (a non-empty string)"));
  }
  return it->get<std::string>();
}

// A template as the instance id it becomes: each placeholder stands for "x".
Result<void> check_id_template(std::string_view text, std::string_view where) {
  std::string sample;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close == std::string_view::npos)
        return spec_invalid(std::string(where) + " has a '{' without its '}'");
      sample += 'x';
      i = close + 1;
    } else {
      sample += text[i++];
    }
  }
  if (auto valid = keys::validate_instance_id(sample); !valid) {
    return spec_invalid(std::string(where) + ": " + valid.error().message);
  }
  return ok();
}

// Each placeholder of `text` names something an event has.
Result<void> check_placeholders(std::string_view text, std::string_view where) {
  TopicEvent probe;
  probe.topic = probe.type = probe.key = probe.id = "x";
  probe.seq = 1;
  probe.data = json::object();
  size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    size_t close = text.find('}', i);
    if (close == std::string_view::npos)
      return spec_invalid(std::string(where) + " has a '{' without its '}'");
    std::string_view name = text.substr(i + 1, close - i - 1);
    bool known = name == "topic" || name == "seq" || name == "type" || name == "key" || name == "id" ||
                 (name.starts_with("data.") && name.size() > 5);
    if (!known) {
      return spec_invalid(std::string(where) + ": unknown placeholder '{" + std::string(name) +
                          "}' (expected {topic}, {seq}, {type}, {key}, {id} or {data.FIELD})");
    }
    i = close + 1;
  }
  return ok();
}

Result<void> check_template(const json& object, std::string_view field, std::string_view where, bool is_id) {
  auto it = object.find(field);
  if (it == object.end()) return ok();
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(field_error(where, field, "must be a non-empty string"));
  }
  const std::string& text = it->get_ref<const std::string&>();
  std::string at = std::string(where) + std::string(field);
  SUNDIAL_TRY(check_placeholders(text, at));
  if (is_id) SUNDIAL_TRY(check_id_template(text, at));
  return ok();
}

Result<void> read_start(const json& body) {
  constexpr std::string_view where = "action.start.";
  SUNDIAL_TRY(check_known_fields(body, where, {"type", "id", "concurrency", "id_reuse"}));
  SUNDIAL_ASSIGN_OR_RETURN(std::string type, spec_text(body, where, "type"));
  if (auto valid = keys::validate_type_name(type); !valid)
    return spec_invalid("action.start.type: " + valid.error().message);
  SUNDIAL_TRY(check_template(body, "id", where, true));
  if (auto it = body.find("concurrency"); it != body.end()) {
    auto spec = parse_concurrency(*it);
    if (!spec) return spec_invalid("action.start.concurrency: " + spec.error().message);
    if (it->is_object()) SUNDIAL_TRY(check_template(*it, "key", "action.start.concurrency.", false));
  }
  if (auto it = body.find("id_reuse"); it != body.end()) {
    auto reuse = parse_id_reuse_field(*it, body.contains("id"));
    if (!reuse) return spec_invalid("action.start.id_reuse: " + reuse.error().message);
  }
  return ok();
}

Result<void> read_signal(const json& body) {
  constexpr std::string_view where = "action.signal.";
  SUNDIAL_TRY(check_known_fields(body, where, {"id", "name", "optional"}));
  SUNDIAL_TRY(spec_text(body, where, "id"));
  SUNDIAL_TRY(check_template(body, "id", where, true));
  SUNDIAL_ASSIGN_OR_RETURN(std::string name, spec_text(body, where, "name"));
  if (auto valid = keys::validate_name("signal name", name); !valid) {
    return spec_invalid("action.signal.name: " + valid.error().message);
  }
  if (auto it = body.find("optional"); it != body.end() && !it->is_boolean()) {
    return std::unexpected(field_error(where, "optional", "must be true or false"));
  }
  return ok();
}

Result<void> read_enqueue(const json& body) {
  constexpr std::string_view where = "action.enqueue.";
  SUNDIAL_ASSIGN_OR_RETURN(std::string queue, spec_text(body, where, "queue"));
  if (auto valid = keys::validate_type_name(queue); !valid) {
    return spec_invalid("action.enqueue.queue: " + valid.error().message);
  }
  json task = body;
  for (std::string_view owned : kOwnedTaskFields) {
    if (owned != "queue" && task.contains(owned)) {
      return std::unexpected(
          field_error(where, owned, "is set by the subscription (the event is the payload)"));
    }
  }
  task.erase("queue");
  SUNDIAL_TRY(parse_task_spec(task, queue, where));
  return ok();
}

Result<void> read_action(const json& v, SubscriptionSpec& spec) {
  if (!v.is_object() || v.size() != 1 || !v.begin()->is_object()) {
    return std::unexpected(field_error(
        "", "action", "must be an object with one of start, signal or enqueue, itself an object"));
  }
  const std::string& kind = v.begin().key();
  const json& body = v.begin().value();
  if (kind == "start") {
    spec.kind = SubscriptionActionKind::kStart;
    SUNDIAL_TRY(read_start(body));
  } else if (kind == "signal") {
    spec.kind = SubscriptionActionKind::kSignal;
    SUNDIAL_TRY(read_signal(body));
  } else if (kind == "enqueue") {
    spec.kind = SubscriptionActionKind::kEnqueue;
    SUNDIAL_TRY(read_enqueue(body));
  } else {
    return std::unexpected(field_error("action.", kind, "is not an action (start, signal or enqueue)"));
  }
  spec.action = body;
  return ok();
}

Result<void> read_filter(const json& v, SubscriptionSpec& spec) {
  if (!v.is_object()) return std::unexpected(field_error("", "filter", "must be an object {type?, data?}"));
  SUNDIAL_TRY(check_known_fields(v, "filter.", {"type", "data"}));
  if (auto it = v.find("type"); it != v.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return std::unexpected(field_error("filter.", "type", "must be a non-empty string"));
    }
    spec.filter_type = it->get<std::string>();
  }
  if (auto it = v.find("data"); it != v.end()) {
    if (!it->is_object())
      return std::unexpected(field_error("filter.", "data", "must be an object {field: value}"));
    if (it->size() > kMaxFilterFields) {
      return std::unexpected(field_error("filter.", "data", "may name at most 20 fields"));
    }
    SUNDIAL_TRY(check_storable(*it, "filter.data"));
    spec.filter_data = *it;
  }
  return ok();
}

// The value at a dotted path of `data` ("a.b"); nullptr when absent.
const json* data_at_path(const json& data, std::string_view path) {
  const json* node = &data;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return node;
}

}  // namespace

Result<void> validate_subscription_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxSubscriptionId && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  }) && id.find_first_not_of('.') != std::string_view::npos;
  if (ok) return sundial::ok();
  return spec_invalid("subscription id '" + repair_utf8(id.substr(0, 80)) +
                      "' must be 1-100 characters of A-Z a-z 0-9 . _ - (not only dots)");
}

Result<SubscriptionSpec> parse_subscription_spec(const json& body) {
  if (!body.is_object()) return spec_invalid("a subscription must be a JSON object");
  SUNDIAL_TRY(check_known_fields(body, "", {"id", "topic", "filter", "action", "from"}));
  SubscriptionSpec spec;
  SUNDIAL_ASSIGN_OR_RETURN(spec.id, spec_text(body, "", "id"));
  SUNDIAL_TRY(validate_subscription_id(spec.id));
  SUNDIAL_ASSIGN_OR_RETURN(spec.topic, spec_text(body, "", "topic"));
  SUNDIAL_TRY(check_topic_name(spec.topic));
  if (auto it = body.find("filter"); it != body.end() && !it->is_null()) SUNDIAL_TRY(read_filter(*it, spec));
  auto action = body.find("action");
  if (action == body.end()) return std::unexpected(field_error("", "action", "is required"));
  SUNDIAL_TRY(read_action(*action, spec));
  if (auto it = body.find("from"); it != body.end() && !it->is_null()) {
    if (it->is_string() && it->get_ref<const std::string&>() == "latest") {
      spec.from.reset();
    } else {
      SUNDIAL_ASSIGN_OR_RETURN(int64_t from, json_integer(*it, "", "from", 0, INT64_MAX));
      spec.from = static_cast<uint64_t>(from);
    }
  }
  return spec;
}

json subscription_spec_json(const SubscriptionSpec& spec) {
  json filter = json::object();
  if (!spec.filter_type.empty()) filter["type"] = spec.filter_type;
  if (!spec.filter_data.empty()) filter["data"] = spec.filter_data;
  json j = {{"id", spec.id},
            {"topic", spec.topic},
            {"action", {{std::string(subscription_action_name(spec.kind)), spec.action}}}};
  if (!filter.empty()) j["filter"] = std::move(filter);
  if (spec.from) {
    j["from"] = *spec.from;
  } else {
    j["from"] = "latest";
  }
  return j;
}

bool filter_matches(const SubscriptionSpec& spec, const TopicEvent& event) {
  if (!spec.filter_type.empty() && spec.filter_type != event.type) return false;
  for (const auto& [path, want] : spec.filter_data.items()) {
    const json* have = data_at_path(event.data, path);
    if (have == nullptr || *have != want) return false;
  }
  return true;
}

Result<std::string> fill_placeholders(std::string_view text, const TopicEvent& event) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    size_t close = text.find('}', open);
    if (close == std::string_view::npos)
      return spec_invalid("'" + std::string(text) + "' has a '{' without its '}'");
    std::string_view name = text.substr(open + 1, close - open - 1);
    i = close + 1;
    if (name == "topic") {
      out += event.topic;
    } else if (name == "seq") {
      out += std::to_string(event.seq);
    } else if (name == "type") {
      out += event.type;
    } else if (name == "key" || name == "id") {
      const std::string& v = name == "key" ? event.key : event.id;
      if (v.empty())
        return spec_invalid("event " + std::to_string(event.seq) + " has no " + std::string(name) + " for {" +
                            std::string(name) + "}");
      out += v;
    } else if (name.starts_with("data.")) {
      const json* v = data_at_path(event.data, name.substr(5));
      if (v == nullptr || !(v->is_string() || v->is_number() || v->is_boolean())) {
        return spec_invalid("event " + std::to_string(event.seq) + " has no text or number at {" +
                            std::string(name) + "}");
      }
      out += v->is_string() ? v->get<std::string>() : v->dump();
    } else {
      return spec_invalid("unknown placeholder '{" + std::string(name) + "}'");
    }
  }
  return out;
}

std::string_view subscription_action_name(SubscriptionActionKind k) {
  return kActionNames[static_cast<size_t>(k)];
}
std::string_view subscription_source_name(SubscriptionSource s) {
  return kSourceNames[static_cast<size_t>(s)];
}

std::optional<SubscriptionSource> parse_subscription_source(std::string_view name) {
  for (size_t i = 0; i < kSourceNames.size(); ++i) {
    if (kSourceNames[i] == name) return static_cast<SubscriptionSource>(i);
  }
  return std::nullopt;
}

}  // namespace sundial
