#include "engine/topics/subscription_action.h"

#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/model/concurrency.h"
#include "engine/model/id_reuse.h"
#include "engine/tasks/task_spec_json.h"

namespace sundial {
namespace {

using nlohmann::json;

// Errors after which the same delivery may succeed later.
bool delivery_try_later(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kStorageUnavailable ||
         e.code == ErrorCode::kIoError;
}

void answer_delivery(Reply<DeliveryOutcome>& reply, const Error& e, std::string target = "") {
  if (delivery_try_later(e)) return reply(std::unexpected(e));
  reply(DeliveryOutcome{"failed", std::move(target), e.message});
}

std::string delivery_idempotency_key(const SubscriptionSpec& spec, uint64_t seq) {
  return "sundial:subscription:" + delivery_target_id(spec.id, seq);
}

// A text field of the action with its placeholders filled_text; `fallback` when absent.
Result<std::string> filled_text(const json& body, std::string_view field, const TopicEvent& event,
                                std::string fallback) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string()) return fallback;
  return fill_placeholders(it->get_ref<const std::string&>(), event);
}

void start(Engine& engine, const SubscriptionSpec& spec, const TopicEvent& event,
           Reply<DeliveryOutcome> reply) {
  const json& body = spec.action;
  StartRequest req;
  req.type = body.value("type", "");
  auto id = filled_text(body, "id", event, delivery_target_id(spec.id, event.seq));
  if (!id)
    return engine.defer([reply = std::move(reply), e = id.error()]() mutable { answer_delivery(reply, e); });
  req.id = *id;
  req.input = topic_event_to_json(event);
  req.idempotency_key = delivery_idempotency_key(spec, event.seq);
  if (auto it = body.find("concurrency"); it != body.end()) {
    json c = *it;
    if (c.is_object() && c.contains("key")) {
      auto key = filled_text(c, "key", event, "");
      if (!key)
        return engine.defer(
            [reply = std::move(reply), e = key.error()]() mutable { answer_delivery(reply, e); });
      c["key"] = *key;
    }
    auto parsed = parse_concurrency(c);
    if (!parsed)
      return engine.defer(
          [reply = std::move(reply), e = parsed.error()]() mutable { answer_delivery(reply, e); });
    req.concurrency = std::move(*parsed);
  }
  if (auto it = body.find("id_reuse"); it != body.end()) {
    auto reuse = parse_id_reuse_field(*it, true);
    if (reuse) req.id_reuse = *reuse;
  }
  std::string target = *req.id;
  engine.start(std::move(req), [target, reply = std::move(reply)](Result<StartReply> r) mutable {
    if (!r) return answer_delivery(reply, r.error(), target);
    // An earlier run holds the concurrency key and on_busy "drop": nothing ran.
    if (r->dropped && r->instance_id != target) {
      return reply(DeliveryOutcome{"dropped", r->instance_id, ""});
    }
    std::string outcome = r->coalesced                           ? "coalesced"
                          : r->status == InstanceStatus::kQueued ? "queued"
                                                                 : "started";
    reply(DeliveryOutcome{std::move(outcome), r->instance_id, ""});
  });
}

void signal(Engine& engine, const SubscriptionSpec& spec, const TopicEvent& event,
            Reply<DeliveryOutcome> reply) {
  const json& body = spec.action;
  auto id = filled_text(body, "id", event, "");
  if (!id)
    return engine.defer([reply = std::move(reply), e = id.error()]() mutable { answer_delivery(reply, e); });
  bool optional = body.value("optional", false);
  std::string target = *id;
  engine.signal(
      target, body.value("name", ""), topic_event_to_json(event),
      [target, optional, reply = std::move(reply)](Result<CommandReply> r) mutable {
        // An optional signal to an instance that does not exist or has ended.
        if (!r && optional &&
            (r.error().code == ErrorCode::kNotFound || r.error().code == ErrorCode::kConflict)) {
          return reply(DeliveryOutcome{"skipped", target, r.error().message});
        }
        if (!r) return answer_delivery(reply, r.error(), target);
        reply(DeliveryOutcome{"signalled", target, ""});
      },
      delivery_idempotency_key(spec, event.seq));
}

void enqueue(Engine& engine, const SubscriptionSpec& spec, const TopicEvent& event,
             Reply<DeliveryOutcome> reply) {
  json body = spec.action;
  std::string queue = body.value("queue", "");
  body.erase("queue");
  body["payload"] = topic_event_to_json(event);
  auto parsed = parse_task_spec(body, queue);
  if (!parsed)
    return engine.defer(
        [reply = std::move(reply), e = parsed.error()]() mutable { answer_delivery(reply, e); });
  TaskSpec task = std::move(*parsed);
  task.id = delivery_target_id(spec.id, event.seq);
  std::vector<TaskSpec> specs;
  specs.push_back(std::move(task));
  engine.tasks().enqueue(
      std::move(specs), [reply = std::move(reply)](Result<std::vector<EnqueueResult>> r) mutable {
        if (!r) return answer_delivery(reply, r.error());
        const EnqueueResult& e = r->front();
        reply(DeliveryOutcome{e.status == TaskStatus::kQueued ? "queued" : "enqueued", e.task_id, ""});
      });
}

}  // namespace

std::string delivery_target_id(std::string_view subscription_id, uint64_t seq) {
  return std::string(subscription_id) + "@" + std::to_string(seq);
}

void deliver_subscription_action(Engine& engine, const SubscriptionSpec& spec, const TopicEvent& event,
                                 Reply<DeliveryOutcome> reply) {
  switch (spec.kind) {
    case SubscriptionActionKind::kStart:
      return start(engine, spec, event, std::move(reply));
    case SubscriptionActionKind::kSignal:
      return signal(engine, spec, event, std::move(reply));
    case SubscriptionActionKind::kEnqueue:
      return enqueue(engine, spec, event, std::move(reply));
  }
}

}  // namespace sundial
