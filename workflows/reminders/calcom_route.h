// POST /webhooks/calcom (the path is [reminders] calcom_path): Cal.com
// booking webhooks, verified with
// X-Cal-Signature-256 (hex HMAC-SHA256 of the raw body). BOOKING_CREATED
// starts reminders for the booking (instance "booking:<uid>") and sends
// "booked" to the attendee's nurture if one runs; BOOKING_RESCHEDULED
// cancels the old booking's reminders (rescheduleUid) and plans the new
// time — under "booking:<uid>:<start ms>" when Cal.com moved the booking in
// place (uid == rescheduleUid), since "booking:<uid>" exists already;
// BOOKING_CANCELLED cancels every plan of the uid. Other triggers are acknowledged and
// ignored. Deliveries carry no id: repeats are recognised by body hash.
// The signature scheme is the connector's (connectors/calcom/calcom_signature.h);
// the reminders module adds this route (reminders_module.cc). The
// reminders it starts are the Lua script workflows/reminders/reminders.lua.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/webhook_route.h"

namespace sundial::webhooks {

WebhookRoute calcom_route(std::string path, std::optional<std::string> secret,
                          std::vector<DurationMs> reminder_lead_times);

}  // namespace sundial::webhooks
