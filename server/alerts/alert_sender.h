// AlertSender: delivers alert messages to the hook's URL — a JSON POST
// signed afresh at each attempt (alert_signature.h) with the message's id
// in Sundial-Alert-Id (the same on every attempt, so a receiver can drop a
// repeat). One message is in flight at a time, in order. Network errors,
// timeouts, 408, 429 and 5xx are retried with exponential backoff
// (alert_backoff; a longer Retry-After is honoured up to max_backoff) until
// max_attempts, then the message is given up with an error log; another
// 4xx gives it up at once. At most max_pending messages wait: past that the
// oldest waiting one is dropped, so a dead receiver never grows memory.
// Outbound calls go through the server's AsyncHttpClient, so nothing
// blocks the loop.
//
// Threading: loop thread only. Ownership: owns the waiting messages and a
// retry timer; borrows the Loop, the Clock and the AsyncHttpClient, which
// must outlive it. A call in flight or a retry waiting keeps the loop
// alive; a call still in flight when it is destroyed ends without
// touching it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "connectors/http/async_http_client.h"
#include "engine/loop/timer.h"

namespace sundial::alerts {

struct AlertDeliveryOptions {
  std::string url;
  std::string secret;
  // Default: 5. Attempts per message, the first included.
  int max_attempts = 5;
  // Default: 1s. The wait before the first retry; it doubles each time.
  DurationMs first_backoff = kSecondMs;
  // Default: 60s. The longest wait between attempts (Retry-After included).
  DurationMs max_backoff = 60 * kSecondMs;
  // Default: 10s. One attempt, connect included.
  DurationMs timeout = 10 * kSecondMs;
  // Default: 16. Messages waiting behind the one in flight.
  size_t max_pending = 16;
};

// How a message ended: sent (2xx), failed (given up after its attempts or
// on a permanent answer), dropped (pushed out of a full queue unsent).
enum class DeliveryOutcome { kSent, kFailed, kDropped };
std::string_view delivery_outcome_name(DeliveryOutcome outcome);

// The wait before attempt `attempt` + 1 after attempt `attempt` (1-based)
// failed: first_backoff * 2^(attempt-1), at most max_backoff, or the
// server's Retry-After when longer (still at most max_backoff).
DurationMs alert_backoff(const AlertDeliveryOptions& options, int attempt, DurationMs retry_after = 0);

class AlertSender {
 public:
  // Called on the loop when a message ends; must not throw or destroy the sender.
  using Report = std::function<void(DeliveryOutcome, const std::string& alert_id)>;

  AlertSender(Loop& loop, Clock& clock, AsyncHttpClient& http, AlertDeliveryOptions options, Report report);
  ~AlertSender();
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  // Queues a message; it is sent once those before it ended.
  void enqueue(std::string alert_id, std::string body);
  // Messages not yet ended, the one in flight included.
  size_t pending() const { return queue_.size(); }

 private:
  struct Message {
    std::string id;
    std::string body;
    int attempts = 0;
  };
  void attempt();
  void on_answer(HttpCallResult result);
  void finish(DeliveryOutcome outcome);

  Loop& loop_;
  Clock& clock_;
  AsyncHttpClient& http_;
  AlertDeliveryOptions options_;
  Report report_;
  // Front: the message being delivered (in flight or waiting to retry).
  std::deque<Message> queue_;
  bool busy_ = false;
  UvTimer retry_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sundial::alerts
