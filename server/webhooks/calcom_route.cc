#include "server/webhooks/calcom_route.h"

#include "connectors/calcom/booking.h"
#include "workflows/nurture/nurture.h"
#include "workflows/reminders/reminders.h"

namespace sundial::webhooks {

WebhookRoute calcom_route(std::optional<std::string> secret, std::vector<DurationMs> lead_times) {
  WebhookRoute route;
  route.name = "calcom";
  route.path = "/webhooks/calcom";
  route.verification = {SignatureScheme::kHexHmac, "x-cal-signature-256", std::move(secret)};
  route.map = [lead = std::move(lead_times)](const nlohmann::json& body,
                                             const http::HttpRequest&) -> Result<WebhookActions> {
    SUNDIAL_ASSIGN_OR_RETURN(BookingEvent booking, parse_booking_event(body));
    auto booked_signal = [&] {
      return SignalAction{nurture_instance_id(booking.attendee_email), "booked", {{"booking_uid", booking.uid}}, true};
    };
    auto start_reminders = [&] {
      return StartAction{kRemindersWorkflow, reminders_instance_id(booking.uid), reminders_input(booking, lead)};
    };
    switch (booking.trigger) {
      case BookingTrigger::kCreated:
        return WebhookActions{start_reminders(), booked_signal()};
      case BookingTrigger::kRescheduled:
        return WebhookActions{start_reminders(),
                              CancelAction{reminders_instance_id(booking.reschedule_uid), "rescheduled to " + booking.uid},
                              booked_signal()};
      case BookingTrigger::kCancelled:
        return WebhookActions{CancelAction{reminders_instance_id(booking.uid),
                                           booking.cancellation_reason.empty() ? "booking cancelled"
                                                                               : booking.cancellation_reason}};
      case BookingTrigger::kOther:
        break;
    }
    return WebhookActions{IgnoreAction{booking.trigger_name + " is not used"}};
  };
  return route;
}

}  // namespace sundial::webhooks
