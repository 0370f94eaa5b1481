// publish_step: publishing to a topic as a durable step (Lua's
// ctx:publish, C++ workflows through Context::step_async). The event's id
// is the step's idempotency key unless the request names one, so a step
// retried after a crash that cut off its result finds the event it
// published (duplicate = true) instead of publishing it again; a replay
// returns the journaled result without publishing at all.
//
// The step's result: {"topic", "seq", "duplicate"}.
//
// Threading: the step body runs on the loop thread. Ownership: the body
// borrows the TopicService, which outlives the runtime's steps.
#pragma once

#include "engine/runtime/context.h"
#include "engine/topics/topic_event.h"

namespace sundial {

class TopicService;

AsyncStepFn publish_step(TopicService& topics, PublishRequest request);

}  // namespace sundial
