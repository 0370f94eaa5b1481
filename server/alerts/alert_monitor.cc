#include "server/alerts/alert_monitor.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/text.h"
#include "server/alerts/alert_payload.h"

namespace sundial::alerts {

AlertMonitor::AlertMonitor(Loop& loop, Clock& clock, EventLog& events, Sampler sample, AsyncHttpClient& http,
                           ops::MetricsRegistry& registry, AlertMonitorOptions options)
    : loop_(loop),
      clock_(clock),
      events_(events),
      sample_(std::move(sample)),
      options_(std::move(options)),
      grouper_(options_.interval, options_.max_samples),
      raised_(registry.counter("sundial_alerts_total",
                               "Alert occurrences raised for the alert hook, by kind: instance_failed, "
                               "task_dead, schedule_misfire, storage_degraded, storage_recovered. Since "
                               "this start.",
                               {"kind"})),
      delivered_(registry.counter("sundial_alerts_sent_total",
                                  "Alert hook messages by outcome: sent (2xx), failed (given up after "
                                  "the retries or on a permanent answer), dropped (pushed out of a full "
                                  "queue unsent). Since this start.",
                                  {"outcome"})),
      pending_(registry.gauge("sundial_alerts_pending",
                              "Alert hook messages waiting or being delivered.")),
      sample_timer_(loop, [this] { on_sample(); }),
      flush_timer_(loop, [this] { flush(); }),
      sender_(loop, clock, http, options_.delivery,
              [this](DeliveryOutcome outcome, const std::string&) {
                delivered_.inc({std::string(delivery_outcome_name(outcome))});
                pending_.set({}, static_cast<double>(sender_.pending()));
              }) {
  // Every series from the start, so an alerting rule sees a 0 before a 1.
  for (AlertKind kind : kAllAlertKinds) raised_.inc({std::string(alert_kind_name(kind))}, 0);
  for (DeliveryOutcome o : {DeliveryOutcome::kSent, DeliveryOutcome::kFailed, DeliveryOutcome::kDropped}) {
    delivered_.inc({std::string(delivery_outcome_name(o))}, 0);
  }
  pending_.set({}, 0);
  // Sampling is no work of its own; a held message (flush_timer_) is.
  sample_timer_.set_keeps_loop_alive(false);
}

AlertMonitor::~AlertMonitor() {
  if (subscription_) events_.unsubscribe(*subscription_);
}

void AlertMonitor::start() {
  SUNDIAL_DCHECK(loop_.is_loop_thread());
  last_sample_ = sample_();
  subscription_ = events_.subscribe([this](const EngineEvent& event) { on_event(event); });
  sample_timer_.start(static_cast<uint64_t>(options_.sample_every));
}

void AlertMonitor::raise(Alert alert) {
  raised_.inc({std::string(alert_kind_name(alert.kind))}, static_cast<double>(alert.count));
  grouper_.add(std::move(alert), clock_.now_ms());
  arm_flush();
}

void AlertMonitor::on_event(const EngineEvent& event) {
  if (event.type != EventType::kFailed) return;
  raise(Alert{AlertKind::kInstanceFailed, event.at, 1, event.instance_id, event.workflow_type, event.detail});
}

void AlertMonitor::on_sample() {
  HealthSample now = sample_();
  for (Alert& alert : health_alerts(last_sample_, now, clock_.now_ms())) raise(std::move(alert));
  last_sample_ = std::move(now);
  sample_timer_.start(static_cast<uint64_t>(options_.sample_every));
}

void AlertMonitor::arm_flush() {
  auto due = grouper_.due_at();
  // Once armed, the due time stays until the batch goes: a storm re-arms nothing.
  if (!due || flush_timer_.armed()) return;
  // A zero delay still waits for the next loop turn, so alerts committed
  // together (one group commit) share the first message.
  DurationMs delay = std::clamp<DurationMs>(*due - clock_.now_ms(), 0, options_.interval);
  flush_timer_.start(static_cast<uint64_t>(delay));
}

void AlertMonitor::flush() {
  TimeMs now = clock_.now_ms();
  auto batch = grouper_.take(now);
  if (!batch) return arm_flush();  // the clock stepped back: wait for the window
  std::string id = "alert-" + random_hex128();
  spdlog::info("alerts: sending alert {}: {}", id, alert_summary(*batch));
  sender_.enqueue(id, alert_body(*batch, id, now));
  pending_.set({}, static_cast<double>(sender_.pending()));
}

}  // namespace sundial::alerts
