// AlertMonitor: the alert hook ([alerts] in the config; docs/operations.md,
// "Alerts"). It raises alerts from two sources — instance failures from the
// EventLog as they commit, and a health sample (health_sample.h) taken
// every `sample_every` on a loop timer: dead tasks, schedule misfires,
// storage that stops or starts writing — groups them by window
// (alert_grouper.h), renders each window as one message (alert_payload.h)
// and hands it to the AlertSender, which signs, posts and retries.
//
// Metrics (on the server's registry):
//   sundial_alerts_total{kind}          occurrences raised, by kind
//   sundial_alerts_sent_total{outcome}  messages: sent, failed, dropped
//   sundial_alerts_pending              messages waiting or in flight
//
// Threading: loop thread only. Ownership: owns the grouper, the sender and
// two timers; subscribes to the EventLog in start() and unsubscribes in its
// destructor. Borrows the Loop, Clock, EventLog, AsyncHttpClient and the
// metrics registry, which must outlive it; `sample` is called on the loop
// until it is destroyed (destroy it before the Engine it reads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "engine/events/event_log.h"
#include "server/alerts/alert_grouper.h"
#include "server/alerts/alert_sender.h"
#include "server/alerts/health_sample.h"
#include "server/ops/metrics.h"

namespace sundial::alerts {

struct AlertMonitorOptions {
  AlertDeliveryOptions delivery;
  // Default: 60s. The grouping window: at most one message per window.
  DurationMs interval = 60 * kSecondMs;
  // Default: 1s. How often the health sample is taken.
  DurationMs sample_every = kSecondMs;
  // Default: 20. Alerts kept whole in one message; the rest are counted.
  size_t max_samples = kDefaultAlertSamples;
};

class AlertMonitor {
 public:
  using Sampler = std::function<HealthSample()>;

  AlertMonitor(Loop& loop, Clock& clock, EventLog& events, Sampler sample, AsyncHttpClient& http,
               ops::MetricsRegistry& registry, AlertMonitorOptions options);
  ~AlertMonitor();
  AlertMonitor(const AlertMonitor&) = delete;
  AlertMonitor& operator=(const AlertMonitor&) = delete;

  // Takes the first health sample (what is already dead or missed raises
  // nothing), subscribes to the events and starts the sampling timer.
  void start();
  // Holds `alert` for the next message and arms the flush timer.
  void raise(Alert alert);
  size_t pending_messages() const { return sender_.pending(); }

 private:
  void on_event(const EngineEvent& event);
  void on_sample();
  void arm_flush();
  void flush();

  Loop& loop_;
  Clock& clock_;
  EventLog& events_;
  Sampler sample_;
  AlertMonitorOptions options_;
  std::optional<uint64_t> subscription_;
  HealthSample last_sample_;
  AlertGrouper grouper_;
  ops::MetricFamily& raised_;
  ops::MetricFamily& delivered_;
  ops::MetricFamily& pending_;
  UvTimer sample_timer_;
  UvTimer flush_timer_;
  AlertSender sender_;  // after the families its reports count in
};

}  // namespace sundial::alerts
