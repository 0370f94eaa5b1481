#include "workflows/lua/trigger_actions.h"

#include <array>
#include <string_view>
#include <vector>

#include "engine/base/json_fields.h"
#include "engine/tasks/task_spec_json.h"

namespace sundial::lua {

namespace {

using nlohmann::json;
using webhooks::WebhookAction;

// Fails on a field of `fields` not in `allowed`.
Result<void> only_fields(const json& fields, std::string_view kind,
                         std::initializer_list<std::string_view> allowed) {
  if (!fields.is_object())
    return make_error(ErrorCode::kInvalidArgument, std::string(kind) + " must be a table");
  return check_known_fields(fields, std::string(kind) + ": ", allowed);
}

// A required (or, with `fallback`, optional) non-empty string field.
Result<std::string> required_text(const json& fields, std::string_view kind, const char* key,
                                  std::optional<std::string> fallback = std::nullopt) {
  auto it = fields.find(key);
  if (it == fields.end() || it->is_null()) {
    if (fallback) return *fallback;
    return make_error(ErrorCode::kInvalidArgument, std::string(kind) + ": '" + key + "' is required");
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(kind) + ": '" + key + "' must be a non-empty string");
  }
  return it->get<std::string>();
}

Result<WebhookAction> parse_start(const json& f, const std::string& own_type) {
  SUNDIAL_TRY(only_fields(f, "start", {"type", "id", "input", "concurrency", "id_reuse"}));
  webhooks::StartAction a;
  SUNDIAL_ASSIGN_OR_RETURN(a.workflow_type, required_text(f, "start", "type", own_type));
  if (f.contains("id") && !f["id"].is_null()) {
    SUNDIAL_ASSIGN_OR_RETURN(auto id, required_text(f, "start", "id"));
    a.instance_id = std::move(id);
  }
  if (f.contains("input") && !f["input"].is_null()) a.input = f["input"];
  if (f.contains("concurrency") && !f["concurrency"].is_null()) {
    auto spec = parse_concurrency(f["concurrency"]);
    if (!spec) return make_error(ErrorCode::kInvalidArgument, "start: " + spec.error().message);
    a.concurrency = std::move(*spec);
  }
  if (f.contains("id_reuse") && !f["id_reuse"].is_null()) {
    auto reuse = parse_id_reuse_field(f["id_reuse"], a.instance_id.has_value());
    if (!reuse) return make_error(ErrorCode::kInvalidArgument, "start: " + reuse.error().message);
    a.id_reuse = *reuse;
  }
  return WebhookAction{std::move(a)};
}

Result<WebhookAction> parse_signal(const json& f, const std::string&) {
  SUNDIAL_TRY(only_fields(f, "signal", {"id", "name", "payload", "optional"}));
  webhooks::SignalAction a;
  SUNDIAL_ASSIGN_OR_RETURN(a.instance_id, required_text(f, "signal", "id"));
  SUNDIAL_ASSIGN_OR_RETURN(a.signal, required_text(f, "signal", "name"));
  if (f.contains("payload")) a.payload = f["payload"];
  if (f.contains("optional")) {
    if (!f["optional"].is_boolean()) {
      return make_error(ErrorCode::kInvalidArgument, "signal: 'optional' must be a boolean");
    }
    a.optional = f["optional"].get<bool>();
  }
  return WebhookAction{std::move(a)};
}

Result<WebhookAction> parse_cancel(const json& f, const std::string&) {
  SUNDIAL_TRY(only_fields(f, "cancel", {"id", "reason"}));
  webhooks::CancelAction a;
  SUNDIAL_ASSIGN_OR_RETURN(a.instance_id, required_text(f, "cancel", "id"));
  SUNDIAL_ASSIGN_OR_RETURN(a.reason, required_text(f, "cancel", "reason", "cancelled by a webhook"));
  return WebhookAction{std::move(a)};
}

// { enqueue = { queue = "...", <the fields of an enqueue> } }: the HTTP
// API's rules (engine/tasks/task_spec_json.h).
Result<WebhookAction> parse_enqueue(const json& f, const std::string&) {
  if (!f.is_object()) return make_error(ErrorCode::kInvalidArgument, "enqueue must be a table");
  SUNDIAL_ASSIGN_OR_RETURN(std::string queue, required_text(f, "enqueue", "queue"));
  SUNDIAL_TRY(validate_queue_name(queue));
  json fields = f;
  fields.erase("queue");
  SUNDIAL_ASSIGN_OR_RETURN(TaskSpec task, parse_task_spec(fields, queue, "enqueue: "));
  return WebhookAction{webhooks::EnqueueAction{std::move(task)}};
}

Result<WebhookAction> parse_ignore(const json& f, const std::string&) {
  if (!f.is_string()) return make_error(ErrorCode::kInvalidArgument, "ignore: the reason must be a string");
  return WebhookAction{webhooks::IgnoreAction{f.get<std::string>()}};
}

struct ActionKind {
  std::string_view name;
  Result<WebhookAction> (*parse)(const json& fields, const std::string& own_type);
};

// { publish = { topic, type, data?, key?, id? } }: checked by the same
// rules as POST /api/v1/topics/{topic}/events.
Result<WebhookAction> parse_publish(const json& f, const std::string&) {
  SUNDIAL_TRY(only_fields(f, "publish", {"topic", "type", "data", "key", "id"}));
  SUNDIAL_ASSIGN_OR_RETURN(std::string topic, required_text(f, "publish", "topic"));
  json event = f;
  event.erase("topic");
  auto request = parse_publish_request(event, std::move(topic));
  if (!request) return make_error(ErrorCode::kInvalidArgument, "publish: " + request.error().message);
  return WebhookAction{webhooks::PublishAction{std::move(*request)}};
}

constexpr std::array kActionKinds = {
    ActionKind{"start", parse_start},   ActionKind{"signal", parse_signal},
    ActionKind{"cancel", parse_cancel}, ActionKind{"enqueue", parse_enqueue},
    ActionKind{"publish", parse_publish}, ActionKind{"ignore", parse_ignore},
};

Result<WebhookAction> parse_action(const json& action, const std::string& own_type) {
  if (!action.is_object() || action.size() != 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "an action is a table with one key: start, signal, cancel, enqueue, publish or ignore");
  }
  auto first = action.begin();
  const std::string& kind = first.key();
  const json& fields = first.value();
  for (const ActionKind& k : kActionKinds) {
    if (k.name == kind) return k.parse(fields, own_type);
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown action '" + kind + "' (expected start, signal, cancel, enqueue, publish or ignore)");
}

}  // namespace

Result<webhooks::WebhookActions> parse_trigger_actions(const json& value, const std::string& own_type) {
  webhooks::WebhookActions out;
  bool nothing =
      value.is_null() || (value.is_object() && value.empty()) || (value.is_array() && value.empty());
  if (nothing) {
    out.push_back(webhooks::IgnoreAction{"map returned no action"});
    return out;
  }
  if (!value.is_array()) {
    SUNDIAL_ASSIGN_OR_RETURN(auto action, parse_action(value, own_type));
    out.push_back(std::move(action));
    return out;
  }
  if (value.size() > kMaxTriggerActions) {
    return make_error(ErrorCode::kInvalidArgument, "map returned " + std::to_string(value.size()) +
                                                       " actions; at most " +
                                                       std::to_string(kMaxTriggerActions) + " are allowed");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    auto action = parse_action(value[i], own_type);
    if (!action) {
      return make_error(ErrorCode::kInvalidArgument,
                        "action " + std::to_string(i + 1) + ": " + action.error().message);
    }
    out.push_back(std::move(*action));
  }
  return out;
}

}  // namespace sundial::lua
