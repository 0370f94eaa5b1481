// The sandbox's `dates` library (workflows/lua/dates_lib.h): the answers of
// workflows/graph/working_days.h from Lua, the time part kept when a
// date-time moves, and the errors a bad date, count or flag raises.
#include <gtest/gtest.h>

#include <string>

#include "workflows/lua/script.h"

namespace sundial::lua {
namespace {

// Runs `body` as a script's validate(input); its return value.
Result<nlohmann::json> dates_eval(const std::string& body) {
  LuaOptions options;
  options.limits.instructions_per_activation = 200'000;
  auto script = LuaScript::load("t", "return { run = function() end, validate = function(input)\n" + body + "\nend }",
                                "t.lua", options);
  if (!script) return std::unexpected(script.error());
  return (*script)->validate(nlohmann::json::object());
}

nlohmann::json dates_value(const std::string& expression) {
  auto r = dates_eval("return { v = " + expression + " }");
  EXPECT_TRUE(r) << expression << ": " << r.error().message;
  return r ? (*r)["v"] : nlohmann::json();
}

std::string dates_refusal(const std::string& statement) {
  auto r = dates_eval(statement);
  EXPECT_FALSE(r) << statement << " returned " << (r ? r->dump() : "");
  return r ? std::string() : r.error().message;
}

TEST(DatesLibrary, WorkingDaysSkipWeekendsByDefault) {
  // 2026-12-04 is a Friday.
  EXPECT_EQ(dates_value(R"(dates.weekday("2026-12-04"))"), 5);
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-04", 1))"), "2026-12-07");
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-07", -1))"), "2026-12-04");
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-05", 1))"), "2026-12-07") << "from a Saturday";
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-05", 0))"), "2026-12-05");
  EXPECT_EQ(dates_value(R"(dates.working_days_between("2026-12-04", "2026-12-07"))"), 1);
  EXPECT_EQ(dates_value(R"(dates.working_days_between("2026-12-07", "2026-12-11"))"), 4);
  EXPECT_EQ(dates_value(R"(dates.working_days_between("2026-12-11", "2026-12-07"))"), -4);
  EXPECT_EQ(dates_value(R"(dates.working_days_between("2026-12-04", "2026-12-07", false))"), 3);
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-04", 1, false))"), "2026-12-05");
}

TEST(DatesLibrary, NextOpeningOfASendWindow) {
  // 2026-12-04T19:00:00Z is a Friday evening; Paris is UTC+1 in December.
  const std::string friday_evening = "1796410800000";
  const std::string window = R"({ days = "Mon-Fri", from = "09:00", to = "18:00", timezone = "Europe/Paris", timezone_from = "tz" })";
  // Monday 2026-12-07 09:00 in Paris is 08:00Z.
  EXPECT_EQ(dates_value("dates.next_opening(" + window + ", " + friday_evening + ")"), 1796630400000);
  // Open at that time: the time itself.
  EXPECT_EQ(dates_value("dates.next_opening(" + window + ", 1796385600000)"), 1796385600000);  // 12:00Z Friday
  // The zone from the input: in New York it is 14:00 on Friday, open.
  EXPECT_EQ(dates_value("dates.next_opening(" + window + ", " + friday_evening + R"(, { tz = "America/New_York" }))"),
            1796410800000);
  EXPECT_NE(dates_refusal(R"(return dates.next_opening("business", 0))").find("argument 1 must be a send window table"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(return dates.next_opening({ from = "09:00" }, 0))").find("give both from and to"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(return dates.next_opening({ from = "09:00", to = "10:00" }, -1))").find("argument 2"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(return dates.next_opening({ from = "09:00", to = "10:00" }, 0, "UTC"))").find("argument 3"),
            std::string::npos);
}

TEST(DatesLibrary, PlainDaysAndValidity) {
  EXPECT_EQ(dates_value(R"(dates.add_days("2028-02-28", 1))"), "2028-02-29");
  EXPECT_EQ(dates_value(R"(dates.add_days("2026-01-01", -1))"), "2025-12-31");
  EXPECT_EQ(dates_value(R"(dates.days_between("2026-12-01", "2027-01-01"))"), 31);
  EXPECT_EQ(dates_value(R"(dates.valid("2026-02-29"))"), false);
  EXPECT_EQ(dates_value(R"(dates.valid("2026-12-04T09:30:00Z"))"), true);
  EXPECT_EQ(dates_value(R"(dates.valid(42))"), false);
}

TEST(DatesLibrary, ADateTimeKeepsItsTimeAndOffset) {
  EXPECT_EQ(dates_value(R"(dates.add_working_days("2026-12-04T09:30:00.000+02:00", 1))"),
            "2026-12-07T09:30:00.000+02:00");
  EXPECT_EQ(dates_value(R"(dates.working_days_between("2026-12-04T23:00:00Z", "2026-12-07"))"), 1);
}

TEST(DatesLibrary, BadArgumentsRaiseNamingTheFunction) {
  EXPECT_NE(dates_refusal(R"(dates.add_days("2026-13-01", 1))").find("dates.add_days: '2026-13-01' is not a date"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(dates.add_days("2026-12-01", 1.5))").find("argument 2 must be an integer"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(dates.add_working_days("2026-12-01", 1, "yes"))").find("skip_weekends must be true or false"),
            std::string::npos);
  EXPECT_NE(dates_refusal(R"(dates.weekday(nil))").find("must be a date"), std::string::npos);
  EXPECT_NE(dates_refusal(R"(dates.add_days("9999-12-31", 1))").find("out of range"), std::string::npos);
  EXPECT_NE(dates_refusal(R"(dates.add_days("2026-12-01", 100000000))").find("out of range"), std::string::npos);
  EXPECT_FALSE(dates_refusal(R"(dates.add_days = nil)").empty()) << "the library is read-only";
}

}  // namespace
}  // namespace sundial::lua
