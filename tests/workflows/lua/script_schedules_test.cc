// Schedules declared by a Lua script (workflows/lua/script_schedules.h):
// each entry becomes a schedule whose action defaults to a start of the
// script's own type, and every problem refuses with the script and the
// schedule named. Pure: no engine.
#include "workflows/lua/script_schedules.h"

#include <gtest/gtest.h>

#include <string>

namespace sundial::lua {
namespace {

Result<std::vector<ScheduleSpec>> schedules_of(const std::string& table) {
  auto script =
      LuaScript::load("sync", "return { run = function() end, schedules = " + table + " }", "sync.lua");
  EXPECT_TRUE(script) << script.error().message;
  if (!script) return std::unexpected(script.error());
  return script_schedules(**script);
}

std::string schedule_refusal(const std::string& table) {
  auto r = schedules_of(table);
  EXPECT_FALSE(r) << table;
  return r ? std::string() : r.error().message;
}

TEST(ScriptSchedulesTest, EntriesStartTheScriptsTypeUnlessTheyNameAnAction) {
  auto specs = schedules_of(R"({
    ["nightly"] = { cron = "0 3 * * *", timezone = "Europe/Paris", input = { full = true } },
    ["poll"] = { every = "15m", misfire = "skip",
                 action = { task = { queue = "catch-ups", type = "poll" } } },
  })");
  ASSERT_TRUE(specs) << specs.error().message;
  ASSERT_EQ(specs->size(), 2u);
  const ScheduleSpec& nightly = (*specs)[0].id == "nightly" ? (*specs)[0] : (*specs)[1];
  const ScheduleSpec& poll = (*specs)[0].id == "poll" ? (*specs)[0] : (*specs)[1];
  EXPECT_EQ(nightly.action.kind, ScheduleActionKind::kStart);
  EXPECT_EQ(nightly.action.target, "sync");
  EXPECT_EQ(nightly.action.body.value(), (nlohmann::json{{"full", true}}));
  EXPECT_EQ(nightly.zone.name(), "Europe/Paris");
  EXPECT_EQ(poll.action.kind, ScheduleActionKind::kTask);
  EXPECT_EQ(poll.misfire, MisfirePolicy::kSkip);
}

TEST(ScriptSchedulesTest, NoneAndEmpty) {
  auto none = LuaScript::load("sync", "return { run = function() end }", "sync.lua");
  ASSERT_TRUE(none);
  EXPECT_TRUE(script_schedules(**none)->empty());
  EXPECT_TRUE(schedules_of("{}")->empty());
  auto no_input = schedules_of(R"({ tick = { every = "1m" } })");
  ASSERT_TRUE(no_input);
  EXPECT_EQ(no_input->front().action.body.value(), nlohmann::json::object());
}

TEST(ScriptSchedulesTest, RefusalsNameTheScriptAndTheSchedule) {
  EXPECT_NE(schedule_refusal(R"({ tick = { cron = "61 * * * *" } })").find("sync.lua: schedule 'tick': cron"),
            std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ tick = { every = "1m", id = "other" } })").find("its key"), std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ tick = { every = "1m", input = {}, action = { start = { type = "x" } } } })")
                .find("input"),
            std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ tick = 5 })").find("must be a table"), std::string::npos);
  EXPECT_NE(schedule_refusal(R"("hourly")").find("schedules must be a table"), std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ { every = "1m" } })").find("by id"), std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ ["bad id"] = { every = "1m" } })").find("schedule id"), std::string::npos);
  EXPECT_NE(schedule_refusal(R"({ tick = { every = "1m", when = function() end } })").find("tick"), std::string::npos);
  std::string many = "{";
  for (int i = 0; i <= 100; ++i) many += "s" + std::to_string(i) + " = { every = \"1m\" },";
  EXPECT_NE(schedule_refusal(many + "}").find("at most 100"), std::string::npos);
}

}  // namespace
}  // namespace sundial::lua
