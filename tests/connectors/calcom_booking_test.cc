#include "connectors/calcom/booking.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(CalcomTest, ParsesEveryRfc3339FormCalcomSends) {
  EXPECT_EQ(parse_rfc3339("2024-01-01T10:00:00Z").value(), 1704103200000);
  EXPECT_EQ(parse_rfc3339("2024-01-01T10:00:00.250Z").value(), 1704103200250);
  EXPECT_EQ(parse_rfc3339("2024-01-01T10:00:00+00:00").value(), 1704103200000);
  EXPECT_EQ(parse_rfc3339("2024-01-01T12:00:00+02:00").value(), 1704103200000);
  EXPECT_EQ(parse_rfc3339("2024-01-01T05:00:00-05:00").value(), 1704103200000);
  EXPECT_FALSE(parse_rfc3339("2024-01-01"));
  EXPECT_FALSE(parse_rfc3339("2024-13-01T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2024-01-01T10:00:00"));
}

TEST(CalcomTest, ParsesBookingEvents) {
  auto created = parse_booking_event(nlohmann::json::parse(R"({
    "triggerEvent": "BOOKING_CREATED", "createdAt": "2024-01-01T00:00:00.000Z",
    "payload": {"uid": "bk1", "title": "Intro call", "startTime": "2024-01-04T10:00:00Z",
                "attendees": [{"email": "Ada@Example.com", "name": "Ada", "timeZone": "Europe/London"}]}})"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->trigger, BookingTrigger::kCreated);
  EXPECT_EQ(created->uid, "bk1");
  EXPECT_EQ(created->attendee_email, "ada@example.com");
  EXPECT_EQ(created->start, 1704362400000);
  auto moved = parse_booking_event(nlohmann::json::parse(R"({
    "triggerEvent": "BOOKING_RESCHEDULED",
    "payload": {"uid": "bk2", "rescheduleUid": "bk1", "startTime": "2024-01-05T10:00:00.000Z",
                "attendees": [{"email": "ada@example.com", "name": "Ada"}]}})"));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->reschedule_uid, "bk1");
  auto cancelled = parse_booking_event(nlohmann::json::parse(R"({
    "triggerEvent": "BOOKING_CANCELLED", "payload": {"uid": "bk2", "cancellationReason": "ill"}})"));
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->cancellation_reason, "ill");
  auto other = parse_booking_event(nlohmann::json::parse(R"({"triggerEvent": "MEETING_ENDED", "uid": "x"})"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->trigger, BookingTrigger::kOther);
  EXPECT_FALSE(parse_booking_event(nlohmann::json::parse(R"({"payload": {}})")));
  EXPECT_FALSE(parse_booking_event(
      nlohmann::json::parse(R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "u"}})")));
}

}  // namespace
}  // namespace sundial
