// The built-in workflow types' input checks: a start they cannot use is
// refused with a message naming the field. (The nurture's and reminders'
// are their Lua scripts' validate: tests/workflows/lua/
// shipped_workflows_test.cc.)
#include <gtest/gtest.h>

#include <limits>

#include "workflows/bench/sleep_step.h"
#include "workflows/bench/steps.h"
#include "workflows/input_check.h"

namespace sundial {
namespace {

void expect_refused(const Result<nlohmann::json>& r, std::string_view mentions) {
  ASSERT_FALSE(r) << r->dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

TEST(InputCheckTest, BenchTypesBoundTheirNumbers) {
  EXPECT_TRUE(check_sleep_step_input(nlohmann::json::object()));
  EXPECT_TRUE(check_sleep_step_input(nullptr));
  EXPECT_TRUE(check_sleep_step_input({{"sleep_ms", 86400000}}));
  expect_refused(check_sleep_step_input({{"sleep_ms", "2s"}}), "'sleep_ms'");
  expect_refused(check_sleep_step_input({{"sleep_ms", -1}}), "'sleep_ms'");
  expect_refused(check_sleep_step_input({{"sleep_ms", std::numeric_limits<int64_t>::max()}}), "'sleep_ms'");
  expect_refused(check_sleep_step_input({{"sleep", 1}}), "unknown input field 'sleep'");
  EXPECT_TRUE(check_steps_input({{"steps", 4}}));
  expect_refused(check_steps_input({{"steps", "x"}}), "'steps'");
  expect_refused(check_steps_input({{"steps", 1000000}}), "'steps'");
}

}  // namespace
}  // namespace sundial
