// parse_booking_event on untrusted deliveries: nulls and wrong types where
// strings belong never throw (a clear invalid_argument or a fallback),
// attendee addresses are normalized or refused, and the payload shapes of
// PROVIDERS.md section 1 parse as documented.
#include <gtest/gtest.h>

#include <string>

#include "connectors/calcom/booking.h"

namespace sundial {
namespace {

// Parses without letting an exception escape (a throw fails the test).
Result<BookingEvent> parse(const std::string& text) {
  nlohmann::json body = nlohmann::json::parse(text);
  std::optional<Result<BookingEvent>> out;
  EXPECT_NO_THROW(out.emplace(parse_booking_event(body))) << text;
  if (!out) return make_error(ErrorCode::kInternal, "threw");
  return std::move(*out);
}

// Expects invalid_argument whose message mentions `field`.
void expect_invalid(const std::string& text, const std::string& field) {
  auto r = parse(text);
  ASSERT_FALSE(r) << text;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << text;
  EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
}

std::string created_with(const std::string& payload_fields) {
  return R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "bk1", "startTime": "2024-01-04T10:00:00Z", )" +
         payload_fields + "}}";
}

TEST(CalcomBookingFieldsTest, NullTitleFallsBackToEventTitleThenADefault) {
  auto with_event_title =
      parse(created_with(R"("title": null, "eventTitle": "Intro", "attendees": [{"email": "a@b.co"}])"));
  ASSERT_TRUE(with_event_title) << with_event_title.error().message;
  EXPECT_EQ(with_event_title->title, "Intro");
  auto neither =
      parse(created_with(R"("title": null, "eventTitle": null, "attendees": [{"email": "a@b.co"}])"));
  ASSERT_TRUE(neither) << neither.error().message;
  EXPECT_EQ(neither->title, "your meeting");
  auto wrong_type = parse(created_with(R"("title": 7, "attendees": [{"email": "a@b.co"}])"));
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->title, "your meeting");
}

TEST(CalcomBookingFieldsTest, NullAttendeeNameFallsBackToFirstNameThenEmpty) {
  auto first_name =
      parse(created_with(R"("attendees": [{"email": "a@b.co", "name": null, "firstName": "Ada"}])"));
  ASSERT_TRUE(first_name) << first_name.error().message;
  EXPECT_EQ(first_name->attendee_name, "Ada");
  auto none = parse(created_with(R"("attendees": [{"email": "a@b.co", "name": null, "firstName": null}])"));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->attendee_name, "");
}

TEST(CalcomBookingFieldsTest, NullCancellationReasonIsEmpty) {
  auto r =
      parse(R"({"triggerEvent": "BOOKING_CANCELLED", "payload": {"uid": "bk1", "cancellationReason": null,
                     "attendees": [{"email": null, "name": null}]}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->trigger, BookingTrigger::kCancelled);
  EXPECT_EQ(r->cancellation_reason, "");
  EXPECT_EQ(r->attendee_email, "");  // a cancellation needs no attendee
}

TEST(CalcomBookingFieldsTest, NullOrMistypedRequiredFieldsAreInvalidArguments) {
  expect_invalid(created_with(R"("attendees": [{"email": null, "name": "Ada"}])"),
                 "payload.attendees[0].email");
  expect_invalid(created_with(R"("attendees": [{"email": 42}])"), "payload.attendees[0].email");
  expect_invalid(created_with(R"("attendees": [null])"), "payload.attendees[0].email");
  expect_invalid(created_with(R"("attendees": null)"), "payload.attendees[0].email");
  expect_invalid(created_with(R"("attendees": [])"), "payload.attendees[0].email");
  expect_invalid(
      R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": null, "startTime": "2024-01-04T10:00:00Z"}})",
      "payload.uid");
  expect_invalid(
      R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "", "startTime": "2024-01-04T10:00:00Z"}})",
      "payload.uid");
  expect_invalid(R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "bk1", "startTime": null,
                     "attendees": [{"email": "a@b.co"}]}})",
                 "payload.startTime");
  expect_invalid(R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "bk1", "startTime": 1704362400000,
                     "attendees": [{"email": "a@b.co"}]}})",
                 "payload.startTime");
  expect_invalid(R"({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "bk1", "startTime": "tomorrow",
                     "attendees": [{"email": "a@b.co"}]}})",
                 "tomorrow");
  expect_invalid(R"({"triggerEvent": "BOOKING_RESCHEDULED", "payload": {"uid": "bk2", "rescheduleUid": null,
                     "startTime": "2024-01-04T10:00:00Z", "attendees": [{"email": "a@b.co"}]}})",
                 "rescheduleUid");
  expect_invalid(R"({"triggerEvent": "BOOKING_CREATED", "payload": null})", "payload");
  expect_invalid(R"({"triggerEvent": null, "payload": {}})", "triggerEvent");
  expect_invalid(R"({"triggerEvent": 3})", "triggerEvent");
  expect_invalid(R"([{"triggerEvent": "BOOKING_CREATED"}])", "triggerEvent");
  expect_invalid(R"(null)", "triggerEvent");
}

TEST(CalcomBookingFieldsTest, AttendeeEmailIsTrimmedAndLowerCased) {
  auto r = parse(created_with(R"("attendees": [{"email": "  Ada.Lovelace@Example.COM \t", "name": "Ada"}])"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attendee_email, "ada.lovelace@example.com");
}

TEST(CalcomBookingFieldsTest, AnImplausibleAttendeeEmailIsAnInvalidArgument) {
  for (const char* bad :
       {"not-an-email", "ada@", "ada@example", "a b@example.com", "ada@example.com/x", "   "}) {
    SCOPED_TRACE(bad);
    expect_invalid(created_with(std::string(R"("attendees": [{"email": ")") + bad + R"("}])"),
                   "payload.attendees[0].email");
  }
  // A cancellation does not need the address, but a bad one is still refused.
  expect_invalid(R"({"triggerEvent": "BOOKING_CANCELLED", "payload": {"uid": "bk1",
                     "attendees": [{"email": "not-an-email"}]}})",
                 "payload.attendees[0].email");
}

// The three booking triggers as PROVIDERS.md section 1.2/1.3 shows them:
// the envelope, the documented payload fields (organizer, attendees with
// language objects, responses, metadata...) and each timestamp form.
TEST(CalcomBookingFieldsTest, BookingCreatedAsDocumented) {
  auto r = parse(R"({"triggerEvent": "BOOKING_CREATED", "createdAt": "2024-01-01T00:00:00.000Z", "payload": {
    "uid": "bk-created", "bookingId": 101, "eventTypeId": 7, "type": "intro-call", "title": "Intro call between Sam and Ada",
    "eventTitle": "Intro call", "description": "", "additionalNotes": null,
    "startTime": "2024-01-01T10:00:00Z", "endTime": "2024-01-01T10:30:00Z", "length": 30, "location": "integrations:daily",
    "organizer": {"id": 5, "name": "Sam", "email": "sam@example.com", "username": "sam", "timeZone": "Europe/Paris",
                  "language": {"locale": "en"}, "timeFormat": "h:mma", "utcOffset": 60},
    "attendees": [{"email": "Ada@Example.com", "name": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
                   "timeZone": "Europe/London", "phoneNumber": null, "language": {"locale": "en"}, "utcOffset": 0},
                  {"email": "guest@example.com", "name": "Guest", "timeZone": "UTC", "language": {"locale": "en"}}],
    "responses": {"name": {"label": "your_name", "value": "Ada Lovelace"}, "email": {"label": "email_address", "value": "Ada@Example.com"},
                  "notes": {"label": "additional_notes", "isHidden": false}},
    "userFieldsResponses": {}, "customInputs": {}, "metadata": {"videoCallUrl": "https://app.cal.com/video/x"},
    "status": "ACCEPTED", "iCalUID": "bk-created@Cal.com", "iCalSequence": 0, "destinationCalendar": null,
    "organizationId": null, "price": 0, "currency": "usd", "bookerUrl": "https://cal.com", "requiresConfirmation": false}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->trigger, BookingTrigger::kCreated);
  EXPECT_EQ(r->trigger_name, "BOOKING_CREATED");
  EXPECT_EQ(r->uid, "bk-created");
  EXPECT_EQ(r->title, "Intro call between Sam and Ada");
  EXPECT_EQ(r->start, 1704103200000);               // 2024-01-01T10:00:00Z
  EXPECT_EQ(r->attendee_email, "ada@example.com");  // the first attendee
  EXPECT_EQ(r->attendee_name, "Ada Lovelace");
  EXPECT_EQ(r->reschedule_uid, "");
}

TEST(CalcomBookingFieldsTest, BookingRescheduledAsDocumented) {
  auto r =
      parse(R"({"triggerEvent": "BOOKING_RESCHEDULED", "createdAt": "2024-01-02T09:00:00.000Z", "payload": {
    "uid": "bk-new", "bookingId": 102, "title": "Intro call", "startTime": "2024-01-01T15:00:00.000Z",
    "endTime": "2024-01-01T15:30:00.000Z", "length": 30,
    "organizer": {"id": 5, "name": "Sam", "email": "sam@example.com", "timeZone": "Europe/Paris", "language": {"locale": "en"}},
    "attendees": [{"email": "ada@example.com", "name": "Ada", "timeZone": "Europe/London", "language": {"locale": "en"}}],
    "rescheduleId": 101, "rescheduleUid": "bk-old", "rescheduleStartTime": "2024-01-01T10:00:00Z",
    "rescheduleEndTime": "2024-01-01T10:30:00Z", "status": "ACCEPTED", "iCalUID": "bk-old@Cal.com", "iCalSequence": 1}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->trigger, BookingTrigger::kRescheduled);
  EXPECT_EQ(r->uid, "bk-new");
  EXPECT_EQ(r->reschedule_uid, "bk-old");
  EXPECT_EQ(r->start, 1704121200000);  // 2024-01-01T15:00:00.000Z
  EXPECT_EQ(r->attendee_email, "ada@example.com");
}

TEST(CalcomBookingFieldsTest, BookingCancelledAsDocumented) {
  auto r =
      parse(R"({"triggerEvent": "BOOKING_CANCELLED", "createdAt": "2024-01-03T09:00:00.000Z", "payload": {
    "uid": "bk-new", "bookingId": 102, "title": "Intro call", "startTime": "2024-01-04T10:00:00+00:00",
    "endTime": "2024-01-04T10:30:00+00:00",
    "organizer": {"id": 5, "name": "Sam", "email": "sam@example.com", "timeZone": "Europe/Paris", "language": {"locale": "en"}},
    "attendees": [{"email": "ada@example.com", "name": "Ada", "timeZone": "Europe/London", "language": {"locale": "en"}}],
    "status": "CANCELLED", "cancellationReason": "Something came up", "requestReschedule": false,
    "destinationCalendar": [], "cancelledBy": "ada@example.com"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->trigger, BookingTrigger::kCancelled);
  EXPECT_EQ(r->uid, "bk-new");
  EXPECT_EQ(r->cancellation_reason, "Something came up");
  EXPECT_EQ(r->attendee_email, "ada@example.com");
}

// Triggers Sundial does not use parse as kOther whatever their shape: the
// flat MEETING_* rows (no "payload") and FORM_SUBMITTED's root fields.
TEST(CalcomBookingFieldsTest, OtherTriggerShapesAreAcknowledgedAsOther) {
  for (
      const char* body : {
          R"({"triggerEvent": "MEETING_STARTED", "id": 101, "uid": "bk1", "idempotencyKey": "k", "startTime": "2024-01-01T10:00:00Z",
               "endTime": "2024-01-01T10:30:00Z", "createdAt": "2024-01-01T00:00:00.000Z", "status": "ACCEPTED",
               "user": {"email": "sam@example.com"}, "attendees": [{"id": 1, "bookingId": 101, "locale": "en", "noShow": false}]})",
          R"({"triggerEvent": "MEETING_ENDED", "uid": null})",
          R"({"triggerEvent": "FORM_SUBMITTED", "createdAt": "2024-01-01T00:00:00.000Z",
               "payload": {"formId": "f1", "responses": {"email": {"value": "x"}}}, "email": "x"})",
          R"({"triggerEvent": "BOOKING_REQUESTED", "payload": null})"}) {
    auto r = parse(body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->trigger, BookingTrigger::kOther) << body;
    EXPECT_FALSE(r->trigger_name.empty());
  }
}

}  // namespace
}  // namespace sundial
