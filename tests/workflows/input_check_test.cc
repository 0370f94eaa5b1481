// The built-in workflow types' input checks: a start they cannot use is
// refused with a message naming the field; what is left out is filled in.
#include <gtest/gtest.h>

#include <limits>

#include "workflows/bench/sleep_step.h"
#include "workflows/bench/steps.h"
#include "workflows/input_check.h"
#include "workflows/nurture/nurture.h"
#include "workflows/reminders/reminders.h"

namespace sundial {
namespace {

const std::vector<DurationMs> kOffsets = {0, kDayMs, 3 * kDayMs};

void expect_refused(const Result<nlohmann::json>& r, std::string_view mentions) {
  ASSERT_FALSE(r) << r->dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

TEST(InputCheckTest, ANurtureWithoutAnEmailIsRefused) {
  expect_refused(check_nurture_input(nlohmann::json::object(), kOffsets), "'email' is required");
  expect_refused(check_nurture_input(nullptr, kOffsets), "'email' is required");
  expect_refused(check_nurture_input({{"email", "not-an-email"}}, kOffsets), "'email'");
  expect_refused(check_nurture_input({{"email", 7}}, kOffsets), "'email' must be a string");
  expect_refused(check_nurture_input(nlohmann::json::array(), kOffsets), "must be a JSON object");
}

TEST(InputCheckTest, ANurtureTakesTheConfiguredOffsetsAndItsSegmentFromTheCounts) {
  auto r = check_nurture_input({{"email", " Ada@Example.com "}}, kOffsets);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["email"], "ada@example.com");
  EXPECT_EQ((*r)["offsets_ms"], nlohmann::json(kOffsets));
  EXPECT_EQ((*r)["segment"], "optimize");
  auto critical = check_nurture_input({{"email", "a@b.co"}, {"red", 2}, {"offsets_ms", {5, 10}}}, kOffsets);
  ASSERT_TRUE(critical) << critical.error().message;
  EXPECT_EQ((*critical)["segment"], "critical");
  EXPECT_EQ((*critical)["offsets_ms"], nlohmann::json({5, 10}));
  // What the signup webhook builds passes unchanged.
  Signup s{"lead@example.com", "Lee", 1, 0};
  nlohmann::json signup = nurture_input(s, kOffsets);
  auto same = check_nurture_input(signup, {});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(*same, signup);
}

TEST(InputCheckTest, ANurtureRefusesWhatItCannotUse) {
  nlohmann::json base = {{"email", "a@b.co"}};
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json in = base;
    in[key] = std::move(value);
    return check_nurture_input(in, kOffsets);
  };
  expect_refused(with("offsets_ms", "1d"), "'offsets_ms'");
  expect_refused(with("offsets_ms", {-1}), "'offsets_ms'");
  expect_refused(with("offsets_ms", {1.5}), "'offsets_ms'");
  expect_refused(with("offsets_ms", {kMaxInputDelayMs + 1}), "'offsets_ms'");
  expect_refused(with("offsets_ms", nlohmann::json(std::vector<int>(kMaxInputDelays + 1, 0))),
                 "'offsets_ms'");
  expect_refused(with("offsets_ms", {std::numeric_limits<uint64_t>::max()}), "'offsets_ms'");
  expect_refused(with("red", -1), "'red'");
  expect_refused(with("orange", "3"), "'orange'");
  expect_refused(with("segment", "panic"), "'segment'");
  expect_refused(with("first_name", 5), "'first_name'");
  expect_refused(with("offset_ms", {0}), "unknown input field 'offset_ms'");
}

TEST(InputCheckTest, RemindersNeedAStartTimeAndAnAttendee) {
  nlohmann::json ok_input = {{"uid", "u1"}, {"start_ms", 1800000000000}, {"attendee_email", "a@b.co"}};
  auto r = check_reminders_input(ok_input, {kHourMs, 24 * kHourMs});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["before_ms"], nlohmann::json({24 * kHourMs, kHourMs}));
  expect_refused(check_reminders_input({{"attendee_email", "a@b.co"}}, {}), "'start_ms' is required");
  expect_refused(check_reminders_input({{"start_ms", 1}}, {}), "'attendee_email' is required");
  expect_refused(check_reminders_input({{"start_ms", -5}, {"attendee_email", "a@b.co"}}, {}), "'start_ms'");
  expect_refused(check_reminders_input({{"start_ms", 1e300}, {"attendee_email", "a@b.co"}}, {}),
                 "'start_ms'");
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
