#include "connectors/calcom/booking.h"

#include "connectors/email/email_address.h"
#include "engine/base/json_fields.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace sundial {

Result<TimeMs> parse_rfc3339(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorCode::kInvalidArgument, "'" + std::string(text) + "' is not an RFC 3339 time");
  };
  if (text.size() < 20) return bad();
  int y, mo, d, h, mi, s;
  std::string head(text.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6 ||
      head[10] != 'T') {
    if (head[10] != ' ' ||
        std::sscanf(head.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
      return bad();
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(text.substr(pos + 1, 5)).c_str(), "%2d:%2d", &oh, &om) != 2) return bad();
    offset_minutes = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t secs = static_cast<int64_t>(timegm(&tm));
  return (secs - offset_minutes * 60) * 1000 + millis;
}

Result<BookingEvent> parse_booking_event(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("triggerEvent") || !body["triggerEvent"].is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "not a Cal.com webhook: 'triggerEvent' is missing");
  }
  BookingEvent e;
  e.trigger_name = body["triggerEvent"].get<std::string>();
  if (e.trigger_name == "BOOKING_CREATED")
    e.trigger = BookingTrigger::kCreated;
  else if (e.trigger_name == "BOOKING_RESCHEDULED")
    e.trigger = BookingTrigger::kRescheduled;
  else if (e.trigger_name == "BOOKING_CANCELLED")
    e.trigger = BookingTrigger::kCancelled;
  else
    return e;
  if (!body.contains("payload") || !body["payload"].is_object()) {
    return make_error(ErrorCode::kInvalidArgument, e.trigger_name + " without a 'payload' object");
  }
  const auto& p = body["payload"];
  if (!p.contains("uid") || !p["uid"].is_string() || p["uid"].get<std::string>().empty()) {
    return make_error(ErrorCode::kInvalidArgument, "payload.uid is missing");
  }
  e.uid = p["uid"].get<std::string>();
  e.title = string_field(p, "title", string_field(p, "eventTitle", "your meeting"));
  if (e.trigger == BookingTrigger::kRescheduled) {
    if (!p.contains("rescheduleUid") || !p["rescheduleUid"].is_string()) {
      return make_error(ErrorCode::kInvalidArgument, "BOOKING_RESCHEDULED without payload.rescheduleUid");
    }
    e.reschedule_uid = p["rescheduleUid"].get<std::string>();
  }
  if (e.trigger == BookingTrigger::kCancelled) e.cancellation_reason = string_field(p, "cancellationReason");
  if (e.trigger != BookingTrigger::kCancelled) {
    if (!p.contains("startTime") || !p["startTime"].is_string()) {
      return make_error(ErrorCode::kInvalidArgument, "payload.startTime is missing");
    }
    SUNDIAL_ASSIGN_OR_RETURN(e.start, parse_rfc3339(p["startTime"].get<std::string>()));
  }
  if (p.contains("attendees") && p["attendees"].is_array() && !p["attendees"].empty() &&
      p["attendees"][0].is_object()) {
    const auto& a = p["attendees"][0];
    e.attendee_email = normalize_email(string_field(a, "email"));
    e.attendee_name = string_field(a, "name", string_field(a, "firstName"));
  }
  if (e.trigger != BookingTrigger::kCancelled && e.attendee_email.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "payload.attendees[0].email is missing");
  }
  if (!e.attendee_email.empty() && !plausible_email(e.attendee_email)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "payload.attendees[0].email '" + e.attendee_email + "' is not an email address");
  }
  return e;
}

}  // namespace sundial
