// Meeting reminders for a Cal.com booking: one email per configured lead
// time before the meeting (default 24 h and 1 h), through Resend with the
// step's stable idempotency key. Lead times already past when the booking
// arrives are skipped. A reschedule cancels this instance and starts one
// for the new booking; a cancellation cancels it.
//
// Input: {"uid", "title", "start_ms", "attendee_email", "attendee_name",
// "before_ms": [...]}. check_reminders_input refuses a start without
// start_ms or a plausible attendee_email, or with a field it does not
// know, and fills in the configured lead times when before_ms is left out.
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
// The reminders' InputCheck: "start_ms" (Unix ms) and "attendee_email"
// required; "uid", "title", "attendee_name" strings; "before_ms" lead
// times (default: `default_before`, [reminders] before).
Result<nlohmann::json> check_reminders_input(const nlohmann::json& input,
                                             const std::vector<DurationMs>& default_before);
// "booking:<uid>"
std::string reminders_instance_id(const std::string& booking_uid);

}  // namespace sundial
