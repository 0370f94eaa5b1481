// What a subscription does with one event (docs/events.md, "Delivery"):
// starts a workflow, signals an instance or enqueues a task, through the
// engine's own commands, so a delivery is exactly a start, a signal or an
// enqueue made by a client.
//
// Each delivery is idempotent, so delivering an event again (after a
// kill -9 between the action and the subscription's cursor write) makes
// nothing new: the instance or task id is derived from the subscription
// and the event ("<subscription>@<seq>") unless the action names one, a
// start also carries the idempotency key "sundial:subscription:<id>@<seq>",
// and a signal carries it too.
//
// Threading: loop thread. Ownership: borrows the Engine.
#pragma once

#include <string>

#include "engine/topics/subscription_spec.h"
#include "engine/transitions/commands.h"

namespace sundial {

class Engine;

// "<subscription>@<seq>": the instance or task a delivery makes.
std::string delivery_target_id(std::string_view subscription_id, uint64_t seq);

struct DeliveryOutcome {
  // "started", "queued", "coalesced", "signalled", "enqueued",
  // "skipped" (an optional signal to no running instance), "dropped" (a
  // start whose concurrency key was busy and on_busy "drop"), "failed".
  std::string outcome;
  std::string target;  // the instance or task id
  std::string error;   // with "failed": why the engine refused the action
};

// Delivers `event` to `spec`'s action. The reply is an error only when the
// engine cannot take commands now (unavailable, storage_unavailable, an
// I/O error): the delivery should be tried again later; a refused action
// (an unknown type, a signal to no instance, a placeholder the event
// cannot fill) is an outcome "failed".
void deliver_subscription_action(Engine& engine, const SubscriptionSpec& spec, const TopicEvent& event,
                                 Reply<DeliveryOutcome> reply);

}  // namespace sundial
