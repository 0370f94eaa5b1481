// Meeting reminders for a Cal.com booking: one email per configured lead
// time before the meeting (default 24 h and 1 h), through Resend with the
// step's stable idempotency key. Lead times already past when the booking
// arrives are skipped. A reschedule cancels this instance and starts one
// for the new booking; a cancellation cancels it.
//
// Input: {"uid", "title", "start_ms", "attendee_email", "attendee_name",
// "before_ms": [...]}.
//
// Threading: loop thread (a workflow). Ownership: deps borrowed for the
// daemon's life.
#pragma once

#include <string>
#include <vector>

#include "connectors/calcom/booking.h"
#include "engine/runtime/registry.h"
#include "workflows/email/email_step.h"

namespace sundial {

inline constexpr const char* kRemindersWorkflow = "reminders";

Workflow<void> reminders_workflow(Context& ctx, const EmailDeps& deps);

nlohmann::json reminders_input(const BookingEvent& booking, const std::vector<DurationMs>& before);
// "booking:<uid>"
std::string reminders_instance_id(const std::string& booking_uid);

}  // namespace sundial
