// SendWindow (engine/schedules/send_window.h): parsing, the canonical JSON
// form, the zone an instance's input names, and the next opening, across
// weekends, midnight and daylight-saving changes. Expected instants were
// worked out by hand from the zones' published offsets.
#include "engine/schedules/send_window.h"

#include <gtest/gtest.h>

#include "tests/support/iso_time.h"

namespace sundial {
namespace {

using testing::iso_ms;
using testing::iso_text;

SendWindow window_of(const nlohmann::json& j, const NamedSendWindows& named = {}) {
  auto w = parse_send_window(j, named);
  EXPECT_TRUE(w) << j.dump() << ": " << w.error().message;
  return w ? *w : SendWindow{};
}

std::string parse_error(const nlohmann::json& j, const NamedSendWindows& named = {}) {
  auto w = parse_send_window(j, named);
  EXPECT_FALSE(w) << j.dump();
  return w ? std::string() : w.error().message;
}

TimeZone zone(const std::string& name) {
  auto z = TimeZone::find(name);
  EXPECT_TRUE(z) << name;
  return z ? *z : TimeZone::utc();
}

std::string opening(const SendWindow& w, const std::string& zone_name, const std::string& now) {
  return iso_text(next_opening(w, zone(zone_name), iso_ms(now)));
}

const nlohmann::json kBusinessHours = {{"days", "Mon-Fri"}, {"from", "09:00"}, {"to", "18:00"}};

TEST(SendWindowTest, ParsesTheDaysTheHoursAndTheZone) {
  SendWindow w = window_of({{"days", "mon-fri"}, {"from", "09:00"}, {"to", "18:30"}, {"timezone", "Europe/Paris"}});
  EXPECT_EQ(w.days, 0x1f);
  EXPECT_EQ(w.from_minute, 9 * 60);
  EXPECT_EQ(w.to_minute, 18 * 60 + 30);
  EXPECT_EQ(w.timezone, "Europe/Paris");
  EXPECT_EQ(window_of({{"days", "Sat, Sun"}, {"from", "10:00"}, {"to", "12:00"}}).days, 0x60);
  EXPECT_EQ(window_of({{"days", "Fri-Mon"}, {"from", "10:00"}, {"to", "12:00"}}).days, 0x71);  // wraps
  EXPECT_EQ(window_of({{"days", "*"}, {"from", "00:00"}, {"to", "24:00"}}).days, 0x7f);
  EXPECT_EQ(window_of({{"from", "08:00"}, {"to", "20:00"}}).days, 0x7f);  // every day by default
  EXPECT_EQ(window_of({{"from", "08:00"}, {"to", "20:00"}}).timezone, "UTC");
}

TEST(SendWindowTest, TheJsonFormIsCanonicalAndReadsBackEqual) {
  SendWindow w = window_of({{"days", "Fri-Mon,Wed"},
                            {"from", "22:00"},
                            {"to", "06:00"},
                            {"timezone", "America/New_York"},
                            {"timezone_from", "recipient.tz"}});
  nlohmann::json j = to_json(w);
  EXPECT_EQ(j, (nlohmann::json{{"days", "Mon,Wed,Fri-Sun"},
                               {"from", "22:00"},
                               {"to", "06:00"},
                               {"timezone", "America/New_York"},
                               {"timezone_from", "recipient.tz"}}));
  EXPECT_EQ(window_of(j), w);
  w.name = "night";
  EXPECT_EQ(to_json(w)["name"], "night");
  EXPECT_EQ(window_of(to_json(w)), w);
  EXPECT_EQ(describe(window_of(kBusinessHours), "Europe/Paris"), "Mon-Fri 09:00-18:00 Europe/Paris");
}

TEST(SendWindowTest, NamesAWindowOfTheCatalog) {
  SendWindow business = window_of(kBusinessHours);
  business.name = "business";
  NamedSendWindows named{{"business", business}};
  EXPECT_EQ(window_of("business", named), business);
  EXPECT_EQ(parse_error("biz", named), "unknown send window \"biz\" (defined: business)");
  EXPECT_EQ(parse_error("biz"), "unknown send window \"biz\" (no [send_windows.<name>] table defines one)");
}

TEST(SendWindowTest, RefusesWhatIsNotAWindowNamingTheField) {
  EXPECT_EQ(parse_error({{"days", "Mon-Funday"}, {"from", "09:00"}, {"to", "18:00"}}),
            "send window: days: \"Mon-Funday\" is not a day or a range of days (Mon, Mon-Fri, Sat,Sun)");
  EXPECT_EQ(parse_error({{"days", ""}, {"from", "09:00"}, {"to", "18:00"}}),
            "send window: days: \"\" is not a day or a range of days (Mon, Mon-Fri, Sat,Sun)");
  EXPECT_EQ(parse_error({{"from", "9:00"}, {"to", "18:00"}}),
            "send window: from: \"9:00\" is not a time of day (HH:MM, 00:00-23:59)");
  EXPECT_EQ(parse_error({{"from", "24:00"}, {"to", "18:00"}}),
            "send window: from: \"24:00\" is not a time of day (HH:MM, 00:00-23:59)");
  EXPECT_EQ(parse_error({{"from", "09:00"}, {"to", "25:00"}}),
            "send window: to: \"25:00\" is not a time of day (HH:MM, 00:00-24:00)");
  EXPECT_EQ(parse_error({{"from", "09:00"}, {"to", 18}}),
            "send window: to: a non-string is not a time of day (HH:MM, 00:00-24:00)");
  EXPECT_EQ(parse_error({{"from", "09:00"}}), "send window: give both from and to (\"09:00\", \"18:00\")");
  EXPECT_EQ(parse_error({{"from", "09:00"}, {"to", "09:00"}}),
            "send window: to: equals from; for a window open all day give 00:00 to 24:00");
  EXPECT_NE(parse_error({{"from", "09:00"}, {"to", "18:00"}, {"timezone", "Europe/Pariss"}})
                .find("did you mean \"Europe/Paris\""),
            std::string::npos);
  EXPECT_EQ(parse_error({{"from", "09:00"}, {"to", "18:00"}, {"tz", "UTC"}}),
            "send window: unknown field 'tz' (expected days, from, to, timezone, timezone_from, name)");
  EXPECT_EQ(parse_error(42), "a send window is an object {days, from, to, timezone, timezone_from} or the name of one");
  EXPECT_NE(parse_error({{"from", "09:00"}, {"to", "18:00"}, {"timezone_from", ""}}), "");
}

TEST(SendWindowTest, AStepDueInsideTheWindowStartsAtOnce) {
  SendWindow w = window_of(kBusinessHours);
  // Thursday 2026-01-08, 10:15 UTC.
  EXPECT_EQ(opening(w, "UTC", "2026-01-08T10:15:00.250Z"), "2026-01-08T10:15:00.250Z");
  EXPECT_EQ(opening(w, "UTC", "2026-01-08T09:00:00Z"), "2026-01-08T09:00:00Z");  // from is inside
}

TEST(SendWindowTest, OutsideItWaitsForTheNextOpening) {
  SendWindow w = window_of(kBusinessHours);
  EXPECT_EQ(opening(w, "UTC", "2026-01-08T06:00:00Z"), "2026-01-08T09:00:00Z");  // early: the same day
  EXPECT_EQ(opening(w, "UTC", "2026-01-08T18:00:00Z"), "2026-01-09T09:00:00Z");  // to is outside
  EXPECT_EQ(opening(w, "UTC", "2026-01-09T19:00:00Z"), "2026-01-12T09:00:00Z");  // Friday night: Monday
  EXPECT_EQ(opening(w, "UTC", "2026-01-10T12:00:00Z"), "2026-01-12T09:00:00Z");  // Saturday
  // In Paris (UTC+1 in winter), 09:00 local is 08:00 UTC.
  EXPECT_EQ(opening(w, "Europe/Paris", "2026-01-10T12:00:00Z"), "2026-01-12T08:00:00Z");
  // Tokyo's Monday 09:00 is Sunday 24:00 UTC.
  EXPECT_EQ(opening(w, "Asia/Tokyo", "2026-01-10T12:00:00Z"), "2026-01-12T00:00:00Z");
}

TEST(SendWindowTest, AWindowPastMidnightBelongsToTheDayItOpens) {
  // Friday nights only, 22:00 to 06:00.
  SendWindow w = window_of({{"days", "Fri"}, {"from", "22:00"}, {"to", "06:00"}});
  EXPECT_EQ(opening(w, "UTC", "2026-01-10T03:00:00Z"), "2026-01-10T03:00:00Z");  // Saturday 03:00: open
  EXPECT_EQ(opening(w, "UTC", "2026-01-10T06:00:00Z"), "2026-01-16T22:00:00Z");  // closed until next Friday
  EXPECT_EQ(opening(w, "UTC", "2026-01-09T21:59:00Z"), "2026-01-09T22:00:00Z");
}

TEST(SendWindowTest, KeepsItsWallClockHoursAcrossDaylightSavingChanges) {
  SendWindow w = window_of(kBusinessHours);
  // Paris springs forward on Sunday 2026-03-29: Friday 09:00 is 08:00 UTC,
  // Monday 09:00 is 07:00 UTC.
  EXPECT_EQ(opening(w, "Europe/Paris", "2026-03-26T19:00:00Z"), "2026-03-27T08:00:00Z");
  EXPECT_EQ(opening(w, "Europe/Paris", "2026-03-28T12:00:00Z"), "2026-03-30T07:00:00Z");
  // ... and falls back on Sunday 2026-10-25: Monday 09:00 is 08:00 UTC again.
  EXPECT_EQ(opening(w, "Europe/Paris", "2026-10-23T17:00:00Z"), "2026-10-26T08:00:00Z");
  // New York falls back on 2026-11-01: 17:59 EST Monday is 22:59 UTC, inside.
  EXPECT_EQ(opening(w, "America/New_York", "2026-11-02T22:59:00Z"), "2026-11-02T22:59:00Z");
  EXPECT_EQ(opening(w, "America/New_York", "2026-11-02T23:00:00Z"), "2026-11-03T14:00:00Z");
}

TEST(SendWindowTest, AWindowInsideASkippedHourDoesNotOpenThatDay) {
  // Sundays 02:00-02:30 in Paris: on 2026-03-29 those local times never
  // happen, so the next opening is a week later (00:00 UTC, CEST).
  SendWindow w = window_of({{"days", "Sun"}, {"from", "02:00"}, {"to", "02:30"}});
  EXPECT_EQ(opening(w, "Europe/Paris", "2026-03-28T12:00:00Z"), "2026-04-05T00:00:00Z");
  // A window that only starts in the gap opens when the gap ends (03:00 CEST).
  SendWindow late = window_of({{"days", "Sun"}, {"from", "02:30"}, {"to", "04:00"}});
  EXPECT_EQ(opening(late, "Europe/Paris", "2026-03-28T12:00:00Z"), "2026-03-29T01:00:00Z");
}

TEST(SendWindowTest, TheZoneComesFromTheInputWhenItNamesOne) {
  SendWindow w = window_of({{"from", "09:00"},
                            {"to", "18:00"},
                            {"timezone", "Europe/Paris"},
                            {"timezone_from", "recipient.timezone"}});
  std::string problem;
  EXPECT_EQ(window_zone(w, {{"recipient", {{"timezone", "Asia/Tokyo"}}}}, &problem).name(), "Asia/Tokyo");
  EXPECT_EQ(problem, "");
  EXPECT_EQ(window_zone(w, {{"email", "a@example.com"}}, &problem).name(), "Europe/Paris");  // absent
  EXPECT_EQ(problem, "");
  EXPECT_EQ(window_zone(w, {{"recipient", {{"timezone", "Mars/Base"}}}}, &problem).name(), "Europe/Paris");
  EXPECT_EQ(problem, "input.recipient.timezone is not a known time zone; using Europe/Paris");
  EXPECT_EQ(window_zone(w, nlohmann::json::array()).name(), "Europe/Paris");

  EXPECT_TRUE(check_window_input(w, {{"recipient", {{"timezone", "Asia/Tokyo"}}}}));
  EXPECT_TRUE(check_window_input(w, nlohmann::json::object()));
  auto bad = check_window_input(w, {{"recipient", {{"timezone", "Mars/Base"}}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message.rfind("input.recipient.timezone: unknown time zone \"Mars/Base\"", 0), 0u)
      << bad.error().message;
  EXPECT_FALSE(check_window_input(w, {{"recipient", {{"timezone", 7}}}}));
}

TEST(SendWindowTest, FormatsAnInstantAsLocalTime) {
  EXPECT_EQ(format_local(iso_ms("2026-03-30T07:00:00Z"), zone("Europe/Paris")), "2026-03-30 09:00 Europe/Paris");
  EXPECT_EQ(format_local(iso_ms("1969-12-31T23:30:00Z"), TimeZone::utc()), "1969-12-31 23:30 UTC");
}

}  // namespace
}  // namespace sundial
