#include "engine/topics/publish_step.h"

#include "engine/topics/topic_service.h"

namespace sundial {

AsyncStepFn publish_step(TopicService& topics, PublishRequest request) {
  return [&topics, request = std::move(request)](const StepInfo& info, StepDone done) {
    PublishRequest r = request;
    if (r.id.empty()) r.id = info.idempotency_key;
    std::string topic = r.topic;
    topics.publish(std::move(r), [topic, done = std::move(done)](Result<PublishResult> published) mutable {
      if (!published) return done(std::unexpected(published.error()));
      done(nlohmann::json{{"topic", topic}, {"seq", published->seq}, {"duplicate", published->duplicate}});
    });
  };
}

}  // namespace sundial
