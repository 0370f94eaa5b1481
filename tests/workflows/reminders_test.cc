// The reminders workflow (the shipped workflows/reminders/reminders.lua)
// on a real engine (RocksDB in a temp dir, a ManualClock) with Resend in
// log mode: one step per distinct lead time; and the input the Cal.com
// route starts it with (booking_plan.h).
#include <gtest/gtest.h>

#include <memory>

#include "connectors/http/async_http_client.h"
#include "connectors/resend/resend_client.h"
#include "tests/support/engine_harness.h"
#include "tests/workflows/lua/shipped_script.h"
#include "workflows/email/email_step.h"
#include "workflows/reminders/booking_plan.h"

namespace sundial {
namespace {

class RemindersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reminder = parse_email_template(
        "reminder",
        "--- subject\n{{title}} in {{lead_time}}\n--- html\n<p>Hi {{attendee_name}}, {{start_time}}</p>\n");
    ASSERT_TRUE(reminder) << reminder.error().message;
    templates.add(std::move(*reminder));
    testing::register_shipped_script(h.registry, kRemindersWorkflow, deps);
    h.open();
  }
  void TearDown() override {
    h.close();
    resend.reset();
    http.reset();
  }

  // The names of the steps that completed, in order.
  std::vector<std::string> sent(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : h.history(id)) {
      if (e.kind == EntryKind::kStepCompleted) out.push_back(e.name);
    }
    return out;
  }

  testing::EngineHarness h;
  std::unique_ptr<AsyncHttpClient> http = std::make_unique<AsyncHttpClient>(h.loop, h.clock);
  Limiters limiters{h.loop, h.clock, with_resend_limiter({}, ResendOptions{})};
  std::unique_ptr<ResendClient> resend = std::make_unique<ResendClient>(*http, limiters, ResendOptions{});
  TemplateSet templates;
  std::shared_ptr<const EmailDeps> deps =
      std::make_shared<EmailDeps>(EmailDeps{*resend, templates, "Sundial <hi@example.com>"});
};

TEST_F(RemindersTest, ALeadTimeListedTwiceSendsOneReminder) {
  TimeMs start = h.clock.now_ms() + 2 * kDayMs;
  nlohmann::json input = {{"uid", "bk1"},           {"title", "Intro"},
                          {"start_ms", start},      {"attendee_email", "ada@example.com"},
                          {"attendee_name", "Ada"}, {"before_ms", {kHourMs, kDayMs, kHourMs, kDayMs}}};
  ASSERT_TRUE(h.start(kRemindersWorkflow, "booking:bk1", input));
  h.advance(kDayMs);  // 24 h before
  EXPECT_EQ(sent("booking:bk1"), (std::vector<std::string>{"reminder-1d"}));
  h.advance(kDayMs - kHourMs);  // 1 h before
  EXPECT_EQ(sent("booking:bk1"), (std::vector<std::string>{"reminder-1d", "reminder-1h"}));
  EXPECT_EQ(h.status("booking:bk1"), InstanceStatus::kCompleted);
}

TEST_F(RemindersTest, TheInputCarriesEachLeadTimeOnceLongestFirst) {
  BookingEvent booking;
  booking.uid = "bk1";
  booking.start = 1704103200000;
  auto input = reminders_input(booking, {kHourMs, kDayMs, kHourMs, 15 * kMinuteMs, kDayMs});
  EXPECT_EQ(input["before_ms"], nlohmann::json::array({kDayMs, kHourMs, 15 * kMinuteMs}));
}

}  // namespace
}  // namespace sundial
