// The input checks of the shipped nurture and reminders (the validate of
// workflows/nurture/nurture.lua and workflows/reminders/reminders.lua,
// formerly the C++ check_nurture_input/check_reminders_input, whose tests
// these are): a start they cannot use is refused with a message naming the
// field; what is left out is filled in from the type's config section,
// as the [nurture]/[reminders] tables give it (ctx.config).
#include <gtest/gtest.h>

#include <limits>

#include "tests/workflows/lua/shipped_script.h"
#include "workflows/input_check.h"
#include "workflows/nurture/signup.h"

namespace sundial::testing {
namespace {

const std::vector<DurationMs> kOffsets = {0, kDayMs, 3 * kDayMs};

void expect_refused(const Result<nlohmann::json>& r, std::string_view mentions) {
  ASSERT_FALSE(r) << r->dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

struct ShippedChecks : ::testing::Test {
  std::shared_ptr<lua::LuaScript> nurture = load_shipped_script("nurture", nullptr, {{"offsets", kOffsets}});
  std::shared_ptr<lua::LuaScript> reminders =
      load_shipped_script("reminders", nullptr, {{"before", {kHourMs, 24 * kHourMs}}});
};

TEST_F(ShippedChecks, ANurtureWithoutAnEmailIsRefused) {
  expect_refused(nurture->validate(nlohmann::json::object()), "'email' is required");
  expect_refused(nurture->validate(nullptr), "'email' is required");
  expect_refused(nurture->validate({{"email", "not-an-email"}}), "'email'");
  expect_refused(nurture->validate({{"email", 7}}), "'email' must be a string");
  expect_refused(nurture->validate(nlohmann::json::array()), "must be a JSON object");
  expect_refused(nurture->validate(nlohmann::json::array({1, 2})), "must be a JSON object");
}

TEST_F(ShippedChecks, ANurtureTakesTheConfiguredOffsetsAndItsSegmentFromTheCounts) {
  auto r = nurture->validate({{"email", " Ada@Example.com "}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["email"], "ada@example.com");
  EXPECT_EQ((*r)["offsets_ms"], nlohmann::json(kOffsets));
  EXPECT_EQ((*r)["segment"], "optimize");
  auto critical = nurture->validate({{"email", "a@b.co"}, {"red", 2}, {"offsets_ms", {5, 10}}});
  ASSERT_TRUE(critical) << critical.error().message;
  EXPECT_EQ((*critical)["segment"], "critical");
  EXPECT_EQ((*critical)["offsets_ms"], nlohmann::json({5, 10}));
  // What the signup webhook builds passes unchanged, even with no offsets
  // ([nurture] offsets = []: stored as [], not {}).
  for (const auto& offsets : {kOffsets, std::vector<DurationMs>{}}) {
    nlohmann::json signup = nurture_input(Signup{"lead@example.com", "Lee", 1, 0, "Europe/Paris"}, offsets);
    auto same = nurture->validate(signup);
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_EQ(same->dump(), signup.dump());
  }
}

TEST_F(ShippedChecks, ANurtureRefusesWhatItCannotUse) {
  nlohmann::json base = {{"email", "a@b.co"}};
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json in = base;
    in[key] = std::move(value);
    return nurture->validate(in);
  };
  expect_refused(with("offsets_ms", "1d"), "'offsets_ms'");
  expect_refused(with("offsets_ms", {-1}), "'offsets_ms'");
  expect_refused(with("offsets_ms", {1.5}), "'offsets_ms'");
  expect_refused(with("offsets_ms", {kMaxInputDelayMs + 1}), "'offsets_ms'");
  expect_refused(with("offsets_ms", nlohmann::json(std::vector<int>(kMaxInputDelays + 1, 0))),
                 "'offsets_ms'");
  expect_refused(with("offsets_ms", {std::numeric_limits<uint64_t>::max()}), "'offsets_ms'");
  expect_refused(with("offsets_ms", {{"a", 1}}), "'offsets_ms'");
  expect_refused(with("red", -1), "'red'");
  expect_refused(with("orange", "3"), "'orange'");
  expect_refused(with("segment", "panic"), "'segment'");
  expect_refused(with("first_name", 5), "'first_name'");
  expect_refused(with("offset_ms", {0}), "unknown input field 'offset_ms'");
  expect_refused(with("timezone", 5), "'timezone'");
  expect_refused(with("send_window", "business"), "'send_window' must be a send window table");
  expect_refused(with("send_window", {{"from", "25:00"}, {"to", "18:00"}}),
                 "send_window: send window: from: \"25:00\" is not a time of day");
}

// The type's send window ([workflows.nurture] send_window, resolved to a
// table) is copied into the input at start, as a plain table; a start's
// own send_window wins.
TEST(ShippedNurtureWindow, TheConfiguredSendWindowIsStoredInTheInput) {
  nlohmann::json window = {{"days", "Mon-Fri"}, {"from", "09:00"}, {"to", "18:00"}, {"timezone", "Europe/Paris"}};
  auto nurture = load_shipped_script("nurture", nullptr, {{"offsets", kOffsets}, {"send_window", window}});
  auto r = nurture->validate({{"email", "a@b.co"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["send_window"], window);
  nlohmann::json own = {{"from", "10:00"}, {"to", "11:00"}};
  auto mine = nurture->validate({{"email", "a@b.co"}, {"send_window", own}});
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_EQ((*mine)["send_window"], own);
}

TEST_F(ShippedChecks, RemindersNeedAStartTimeAndAnAttendee) {
  nlohmann::json ok_input = {{"uid", "u1"}, {"start_ms", 1800000000000}, {"attendee_email", "a@b.co"}};
  auto r = reminders->validate(ok_input);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["before_ms"], nlohmann::json({24 * kHourMs, kHourMs}));
  expect_refused(reminders->validate({{"attendee_email", "a@b.co"}}), "'start_ms' is required");
  expect_refused(reminders->validate({{"start_ms", 1}}), "'attendee_email' is required");
  expect_refused(reminders->validate({{"start_ms", -5}, {"attendee_email", "a@b.co"}}), "'start_ms'");
  expect_refused(reminders->validate({{"start_ms", 1e300}, {"attendee_email", "a@b.co"}}), "'start_ms'");
  expect_refused(reminders->validate(nlohmann::json::array()), "must be a JSON object");
}

// Issue 22: the shipped types are found by the person's address (the
// checked, lower-cased one) and the booking.
TEST_F(ShippedChecks, TheShippedTypesDeclareTheirSearchAttributes) {
  auto nurture_input_checked = nurture->validate({{"email", " Ada@Example.com "}});
  ASSERT_TRUE(nurture_input_checked);
  auto from_signup = extract_search_attributes(nurture->search_attributes(), *nurture_input_checked);
  ASSERT_TRUE(from_signup);
  EXPECT_EQ(*from_signup, (std::vector<SearchAttribute>{{"email", "ada@example.com"}}));
  auto booking = reminders->validate({{"uid", "bk1"}, {"start_ms", 1800000000000}, {"attendee_email", "Ada@Example.com"}});
  ASSERT_TRUE(booking);
  auto from_booking = extract_search_attributes(reminders->search_attributes(), *booking);
  ASSERT_TRUE(from_booking);
  EXPECT_EQ(*from_booking,
            (std::vector<SearchAttribute>{{"booking_uid", "bk1"}, {"email", "ada@example.com"}}));
}

}  // namespace
}  // namespace sundial::testing
