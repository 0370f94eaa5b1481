#include "workflows/reminders/booking_plan.h"

#include <algorithm>
#include <functional>

namespace sundial {

std::string reminders_instance_id(const std::string& booking_uid) { return "booking:" + booking_uid; }

nlohmann::json reminders_input(const BookingEvent& b, const std::vector<DurationMs>& before) {
  std::vector<DurationMs> lead = before;
  std::sort(lead.begin(), lead.end(), std::greater<>());
  lead.erase(std::unique(lead.begin(), lead.end()), lead.end());
  return {{"uid", b.uid},
          {"title", b.title},
          {"start_ms", b.start},
          {"attendee_email", b.attendee_email},
          {"attendee_name", b.attendee_name},
          {"before_ms", lead}};
}

}  // namespace sundial
