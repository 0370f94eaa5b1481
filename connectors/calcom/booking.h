// Cal.com booking webhooks (PROVIDERS.md section 1): the envelope
// {"triggerEvent", "createdAt", "payload"} and the booking fields Sundial
// uses. Unknown triggers parse as kOther (acknowledged and ignored).
// Times are RFC 3339 in any of the forms Cal.com sends.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

enum class BookingTrigger { kCreated, kRescheduled, kCancelled, kOther };

struct BookingEvent {
  BookingTrigger trigger = BookingTrigger::kOther;
  std::string trigger_name;
  std::string uid;
  std::string reschedule_uid;  // BOOKING_RESCHEDULED: the old booking's uid
  std::string title;
  TimeMs start = 0;
  std::string attendee_email;  // the first attendee, lower-case
  std::string attendee_name;
  std::string cancellation_reason;
};

// invalid_argument names the missing or malformed field.
Result<BookingEvent> parse_booking_event(const nlohmann::json& body);

// "2024-01-01T10:00:00Z", "...00.000Z", "...+00:00", "...-05:30".
Result<TimeMs> parse_rfc3339(std::string_view text);

}  // namespace sundial
