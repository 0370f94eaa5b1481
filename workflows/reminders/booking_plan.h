// What the Cal.com route (calcom_route.h) starts for a booking: an
// instance of the Lua workflow type "reminders" (workflows/reminders/
// reminders.lua, which sends the emails) under "booking:<uid>", with the
// booking as its input. The lead times are copied in at the booking, so
// changing [reminders] before affects new bookings only.
//
// Input: {"uid", "title", "start_ms", "attendee_email", "attendee_name",
// "before_ms": [...]}, as reminders.lua's validate checks it.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/calcom/booking.h"
#include "engine/base/clock.h"

namespace sundial {

// The Lua workflow type the route starts (workflows/reminders/reminders.lua).
inline constexpr const char* kRemindersWorkflow = "reminders";

// The start input for a booking; `before` goes in longest first, each
// lead time once (reminders.lua names a step after each).
nlohmann::json reminders_input(const BookingEvent& booking, const std::vector<DurationMs>& before);
// "booking:<uid>"
std::string reminders_instance_id(const std::string& booking_uid);

}  // namespace sundial
