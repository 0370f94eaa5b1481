// WorkflowMetrics: what the workflows did, by workflow type, counted from
// the engine's events as they commit (no scan, no write):
//   sundial_workflow_steps_total{type,outcome}      completed, retried (an
//       attempt failed and another is due), failed (for good), skipped,
//       deferred (held for its send window)
//   sundial_workflow_instances_total{type,event}    started, completed,
//       failed, cancelled, retried
//   sundial_emails_total{template,outcome}          sent, logged, failed:
//       each templated email attempt (workflows/email/email_counts.h),
//       read at scrape time
// Counters since this process started, as Prometheus expects of a counter
// (rate() handles the reset at a restart). The current instances by type
// and status are a gauge ServerMetrics sets from the engine's stats.
//
// Threading: loop thread only (the EventLog delivers there). Ownership:
// subscribes to the EventLog in its constructor and unsubscribes in its
// destructor; the log and the registry must outlive it.
#pragma once

#include <cstdint>

#include "engine/events/event_log.h"
#include "engine/model/event.h"
#include "server/ops/metrics.h"

namespace sundial::ops {

class WorkflowMetrics {
 public:
  WorkflowMetrics(MetricsRegistry& registry, EventLog& events);
  ~WorkflowMetrics();
  WorkflowMetrics(const WorkflowMetrics&) = delete;
  WorkflowMetrics& operator=(const WorkflowMetrics&) = delete;

  void count(const EngineEvent& event);

 private:
  EventLog& events_;
  uint64_t subscription_ = 0;
  MetricFamily& steps_;
  MetricFamily& instances_;
};

}  // namespace sundial::ops
