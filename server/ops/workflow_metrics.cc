#include "server/ops/workflow_metrics.h"

#include "workflows/email/email_counts.h"

#include <string_view>

namespace sundial::ops {

namespace {

// The runtime's detail of a failed attempt is "attempt N failed, will
// retry: <error>" or "attempt N failed for good: <error>"; only the words
// before the error are read (the error may say anything).
bool failed_for_good(std::string_view detail) {
  constexpr std::string_view kAttempt = "attempt ";
  if (!detail.starts_with(kAttempt)) return false;
  size_t i = kAttempt.size();
  while (i < detail.size() && detail[i] >= '0' && detail[i] <= '9') ++i;
  return detail.substr(i).starts_with(" failed for good");
}

}  // namespace

WorkflowMetrics::WorkflowMetrics(MetricsRegistry& registry, EventLog& events)
    : events_(events),
      steps_(registry.counter("sundial_workflow_steps_total",
                              "Step outcomes by workflow type: completed, retried (an attempt failed and "
                              "another is due), failed (for good), skipped (by an operator), deferred (held for its send window). Since this start.",
                              {"type", "outcome"})),
      instances_(registry.counter("sundial_workflow_instances_total",
                                  "Instances by workflow type and what happened to them: started, "
                                  "completed, failed, cancelled, retried. Since this start.",
                                  {"type", "event"})) {
  subscription_ = events_.subscribe([this](const EngineEvent& event) { count(event); });
  MetricFamily& emails = registry.counter(
      "sundial_emails_total",
      "Templated emails by template and outcome: sent (Resend accepted it), logged (log mode: not sent), "
      "failed (the attempt failed; a retry may follow). Since this start.",
      {"template", "outcome"});
  registry.add_collector([&emails] {
    for (const auto& row : EmailCounts::process().snapshot()) {
      emails.set({row.template_name, std::string(outcome_name(row.outcome))}, static_cast<double>(row.count));
    }
  });
}

WorkflowMetrics::~WorkflowMetrics() { events_.unsubscribe(subscription_); }

void WorkflowMetrics::count(const EngineEvent& event) {
  const std::string& type = event.workflow_type;
  switch (event.type) {
    case EventType::kStepCompleted:
      return steps_.inc({type, "completed"});
    case EventType::kStepFailed:
      // The runtime's detail: "attempt N failed, will retry: ..." or
      // "attempt N failed for good: ...".
      return steps_.inc({type, failed_for_good(event.detail) ? "failed" : "retried"});
    case EventType::kStepSkipped:
      return steps_.inc({type, "skipped"});
    case EventType::kStepDeferred:
      return steps_.inc({type, "deferred"});
    case EventType::kInstanceStarted:
      return instances_.inc({type, "started"});
    case EventType::kCompleted:
      return instances_.inc({type, "completed"});
    case EventType::kFailed:
      return instances_.inc({type, "failed"});
    case EventType::kCancelled:
      return instances_.inc({type, "cancelled"});
    case EventType::kRetried:
      return instances_.inc({type, "retried"});
    default:
      return;
  }
}

}  // namespace sundial::ops
