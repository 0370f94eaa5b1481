#include "server/alerts/alert_sender.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "server/alerts/alert_signature.h"

namespace sundial::alerts {

std::string_view delivery_outcome_name(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::kSent:
      return "sent";
    case DeliveryOutcome::kFailed:
      return "failed";
    case DeliveryOutcome::kDropped:
      return "dropped";
  }
  return "unknown";
}

DurationMs alert_backoff(const AlertDeliveryOptions& options, int attempt, DurationMs retry_after) {
  DurationMs delay = options.first_backoff;
  for (int i = 1; i < attempt && delay < options.max_backoff; ++i) delay *= 2;
  delay = std::max(delay, retry_after);
  return std::min(delay, options.max_backoff);
}

AlertSender::AlertSender(Loop& loop, Clock& clock, AsyncHttpClient& http, AlertDeliveryOptions options,
                         Report report)
    : loop_(loop),
      clock_(clock),
      http_(http),
      options_(std::move(options)),
      report_(std::move(report)),
      retry_timer_(loop, [this] { attempt(); }) {}

AlertSender::~AlertSender() {
  *alive_ = false;
  if (!queue_.empty()) {
    spdlog::warn("alerts: {} alert message(s) not delivered at shutdown", queue_.size());
  }
}

void AlertSender::enqueue(std::string alert_id, std::string body) {
  SUNDIAL_DCHECK(loop_.is_loop_thread());
  queue_.push_back(Message{std::move(alert_id), std::move(body), 0});
  // Past the cap, the oldest message that is not being delivered goes.
  size_t first_waiting = busy_ ? 1 : 0;
  if (queue_.size() - first_waiting > options_.max_pending) {
    auto dropped = queue_.begin() + static_cast<std::ptrdiff_t>(first_waiting);
    spdlog::error("alerts: dropped alert {} unsent: {} messages already wait for {}", dropped->id,
                  options_.max_pending, options_.url);
    std::string id = std::move(dropped->id);
    queue_.erase(dropped);
    if (report_) report_(DeliveryOutcome::kDropped, id);
  }
  if (!busy_) attempt();
}

void AlertSender::attempt() {
  if (queue_.empty()) {
    busy_ = false;
    return;
  }
  busy_ = true;
  Message& m = queue_.front();
  ++m.attempts;
  int64_t unix_seconds = clock_.now_ms() / 1000;
  HttpCall call;
  call.method = "POST";
  call.url = options_.url;
  call.timeout = options_.timeout;
  call.body = m.body;
  call.headers = {"Content-Type: application/json", "User-Agent: sundiald-alerts",
                  std::string(kAlertIdHeader) + ": " + m.id,
                  std::string(kSignatureHeader) + ": " + alert_signature(options_.secret, unix_seconds, m.body)};
  // The URL may hold a token (a chat hook's path): logs name the message.
  call.log_name = "alert " + m.id;
  http_.send(std::move(call), [this, alive = alive_](HttpCallResult result) {
    if (!*alive) return;
    on_answer(std::move(result));
  });
}

void AlertSender::on_answer(HttpCallResult result) {
  Message& m = queue_.front();
  if (result.outcome == HttpOutcome::kOk) return finish(DeliveryOutcome::kSent);
  std::string why = result.status != 0 ? "HTTP " + std::to_string(result.status) : result.error;
  if (result.outcome == HttpOutcome::kRetryable && m.attempts < options_.max_attempts) {
    DurationMs wait = alert_backoff(options_, m.attempts, result.retry_after);
    spdlog::warn("alerts: attempt {} of {} to deliver alert {} failed ({}); trying again in {} ms", m.attempts,
                 options_.max_attempts, m.id, why, wait);
    retry_timer_.start(static_cast<uint64_t>(wait));
    return;
  }
  spdlog::error("alerts: gave up delivering alert {} after {} attempt(s): {}", m.id, m.attempts, why);
  finish(DeliveryOutcome::kFailed);
}

void AlertSender::finish(DeliveryOutcome outcome) {
  std::string id = std::move(queue_.front().id);
  queue_.pop_front();
  busy_ = false;
  if (report_) report_(outcome, id);
  attempt();
}

}  // namespace sundial::alerts
