#include "workflows/reminders/calcom_route.h"

#include "connectors/calcom/booking.h"
#include "connectors/calcom/calcom_signature.h"
#include "engine/base/json_fields.h"
#include "workflows/nurture/signup.h"
#include "workflows/reminders/booking_plan.h"

namespace sundial::webhooks {

namespace {

// Reminders of a booking that was rescheduled in place (Cal.com sent
// rescheduleUid == uid): "booking:<uid>:<start ms>", so the new plan never
// shares an id with the plan it replaces and a redelivery finds it again.
std::string moved_reminders_id(const std::string& uid, TimeMs start) {
  return reminders_instance_id(uid) + ":" + std::to_string(start);
}

// payload.<key> as a time, when it is present and parses.
std::optional<TimeMs> payload_time(const nlohmann::json& body, std::string_view key) {
  auto payload = body.find("payload");
  if (payload == body.end()) return std::nullopt;
  auto t = parse_rfc3339(string_field(*payload, key));
  return t ? std::optional<TimeMs>(*t) : std::nullopt;
}

// Cancels every reminders instance that may plan booking `uid` whose start
// was `start` (if known): the one a creation or a new-uid reschedule started,
// and the one an in-place reschedule started. Missing ones are skipped.
void cancel_plans_of(WebhookActions& actions, const std::string& uid, std::optional<TimeMs> start,
                     const std::string& reason) {
  actions.push_back(CancelAction{reminders_instance_id(uid), reason});
  if (start) actions.push_back(CancelAction{moved_reminders_id(uid, *start), reason});
}

}  // namespace

WebhookRoute calcom_route(std::string path, std::optional<std::string> secret,
                          std::vector<DurationMs> lead_times) {
  WebhookRoute route;
  route.name = "calcom";
  route.path = std::move(path);
  route.verification = calcom_verification(std::move(secret));
  route.map = [lead = std::move(lead_times)](const nlohmann::json& body,
                                             const http::HttpRequest&) -> Result<WebhookActions> {
    SUNDIAL_ASSIGN_OR_RETURN(BookingEvent booking, parse_booking_event(body));
    auto booked_signal = [&] {
      return SignalAction{
          nurture_instance_id(booking.attendee_email), "booked", {{"booking_uid", booking.uid}}, true};
    };
    auto start_reminders = [&](std::string instance_id) {
      return StartAction{kRemindersWorkflow, std::move(instance_id), reminders_input(booking, lead)};
    };
    switch (booking.trigger) {
      case BookingTrigger::kCreated:
        return WebhookActions{start_reminders(reminders_instance_id(booking.uid)), booked_signal()};
      case BookingTrigger::kRescheduled: {
        std::optional<TimeMs> old_start = payload_time(body, "rescheduleStartTime");
        std::string reason = "rescheduled to " + booking.uid;
        WebhookActions actions;
        if (booking.uid != booking.reschedule_uid) {
          // A new booking: plan it, cancel the old booking's plan.
          actions.push_back(start_reminders(reminders_instance_id(booking.uid)));
          cancel_plans_of(actions, booking.reschedule_uid, old_start, reason);
        } else {
          // The same booking moved: "booking:<uid>" cannot be started again,
          // so the new time is planned under "booking:<uid>:<start ms>" and
          // every earlier plan of the uid is cancelled, except one for this
          // very time (a redelivery, or a move that kept the time).
          std::string planned = moved_reminders_id(booking.uid, booking.start);
          actions.push_back(start_reminders(planned));
          reason = "rescheduled to " + planned;
          actions.push_back(CancelAction{reminders_instance_id(booking.uid), reason});
          if (old_start && *old_start != booking.start) {
            actions.push_back(CancelAction{moved_reminders_id(booking.uid, *old_start), reason});
          }
        }
        actions.push_back(booked_signal());
        return actions;
      }
      case BookingTrigger::kCancelled: {
        WebhookActions actions;
        cancel_plans_of(
            actions, booking.uid, payload_time(body, "startTime"),
            booking.cancellation_reason.empty() ? "booking cancelled" : booking.cancellation_reason);
        return actions;
      }
      case BookingTrigger::kOther:
        break;
    }
    return WebhookActions{IgnoreAction{booking.trigger_name + " is not used"}};
  };
  return route;
}

}  // namespace sundial::webhooks
