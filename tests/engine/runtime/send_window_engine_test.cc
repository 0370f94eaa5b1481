// Send windows through the engine (engine/runtime/step_window.h), on
// RocksDB with a ManualClock: a step that comes due outside its window
// waits durably (status waiting, a step_deferred entry, a timer at the
// opening) and runs once the window opens; the step's own window beats the
// start's, which beats the type's; retries and restarts keep to the window;
// and the wall-clock hours hold across a daylight-saving change.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/iso_time.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::iso_ms;
using testing::iso_text;
using testing::StepLog;

SendWindow window(const nlohmann::json& j, const NamedSendWindows& named = {}) {
  auto w = parse_send_window(j, named);
  EXPECT_TRUE(w) << w.error().message;
  return w ? *w : SendWindow{};
}

const nlohmann::json kParisOffice = {
    {"days", "Mon-Fri"}, {"from", "09:00"}, {"to", "18:00"}, {"timezone", "Europe/Paris"}};

class SendWindowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::register_test_workflows(h.registry, log); }

  // Opens with `type_window` as test.windowed's and a named window "night".
  void open(std::optional<nlohmann::json> type_window = kParisOffice) {
    SendWindow night = window({{"from", "22:00"}, {"to", "06:00"}});
    night.name = "night";
    h.options.send_windows.named["night"] = night;
    if (type_window) h.options.send_windows.by_type["test.windowed"] = window(*type_window);
    h.open();
  }

  std::vector<JournalEntry> deferrals(const std::string& id) {
    std::vector<JournalEntry> out;
    for (const auto& e : h.history(id)) {
      if (e.kind == EntryKind::kStepDeferred) out.push_back(e);
    }
    return out;
  }

  std::vector<std::string> run_times(const std::string& id, const std::string& step) {
    std::vector<std::string> out;
    for (const auto& r : log.runs) {
      if (r.instance == id && r.step == step) out.push_back(iso_text(r.at));
    }
    return out;
  }

  EngineHarness h;
  StepLog log{h.clock};
};

TEST_F(SendWindowEngineTest, AStepDueOutsideTheTypesWindowWaitsForItsOpening) {
  h.clock.set(iso_ms("2026-01-09T19:30:00Z"));  // Friday 20:30 in Paris
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  EXPECT_TRUE(run_times("w", "send").empty());
  auto d = h.describe("w");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, InstanceStatus::kWaiting);
  EXPECT_EQ(d->step_name, "send");
  EXPECT_EQ(iso_text(d->timer_due), "2026-01-12T08:00:00Z");  // Monday 09:00 CET
  auto held = deferrals("w");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].name, "send");
  EXPECT_EQ(iso_text(held[0].due), "2026-01-12T08:00:00Z");
  EXPECT_EQ(held[0].data["timezone"], "Europe/Paris");
  EXPECT_EQ(held[0].data["window"]["days"], "Mon-Fri");

  h.clock.set(iso_ms("2026-01-12T07:59:59Z"));
  h.fire_timers();
  EXPECT_TRUE(run_times("w", "send").empty());
  h.advance(kSecondMs);
  EXPECT_EQ(run_times("w", "send"), std::vector<std::string>{"2026-01-12T08:00:00Z"});
  EXPECT_EQ(run_times("w", "after"), std::vector<std::string>{"2026-01-12T08:00:00Z"});
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
  EXPECT_EQ(deferrals("w").size(), 1u);  // "after" was due inside
}

TEST_F(SendWindowEngineTest, AStepDueInsideRunsAtOnceWithNoTrace) {
  h.clock.set(iso_ms("2026-01-08T10:00:00Z"));  // Thursday 11:00 in Paris
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
  EXPECT_TRUE(deferrals("w").empty());
}

TEST_F(SendWindowEngineTest, TheWaitSurvivesARestartAndRunsOnce) {
  h.clock.set(iso_ms("2026-01-10T12:00:00Z"));  // Saturday
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  h.reopen();
  EXPECT_EQ(h.status("w"), InstanceStatus::kWaiting);
  EXPECT_EQ(deferrals("w").size(), 1u);  // reloading does not defer again
  h.clock.set(iso_ms("2026-01-12T08:00:00Z"));
  h.reopen();  // opening time passed while down
  h.fire_timers();
  EXPECT_EQ(run_times("w", "send").size(), 1u);
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
}

TEST_F(SendWindowEngineTest, ARetryThatFallsAfterTheWindowClosesWaitsForTheNextOpening) {
  h.clock.set(iso_ms("2026-01-08T16:59:59.500Z"));  // Thursday 17:59:59.5 in Paris
  open();
  log.failures["send"] = {1, ErrorCode::kUnavailable};
  ASSERT_TRUE(h.start("test.windowed", "w"));
  EXPECT_EQ(run_times("w", "send").size(), 1u);  // attempt 1 fails; its retry is due 18:00:00.5
  h.advance(kSecondMs);
  EXPECT_EQ(run_times("w", "send").size(), 1u);
  EXPECT_EQ(h.status("w"), InstanceStatus::kWaiting);
  ASSERT_EQ(deferrals("w").size(), 1u);
  EXPECT_EQ(iso_text(deferrals("w")[0].due), "2026-01-09T08:00:00Z");
  h.clock.set(iso_ms("2026-01-09T08:00:00Z"));
  h.fire_timers();
  EXPECT_EQ(run_times("w", "send"), (std::vector<std::string>{"2026-01-08T16:59:59.500Z", "2026-01-09T08:00:00Z"}));
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
}

TEST_F(SendWindowEngineTest, TheStartsWindowBeatsTheTypesAndTheStepsBeatsBoth) {
  h.clock.set(iso_ms("2026-01-08T12:00:00Z"));  // Thursday noon: inside office hours, outside the night
  open();
  StartRequest own{"test.windowed", "own", nlohmann::json::object(), std::nullopt};
  own.send_window = "night";
  auto started = h.start(own);
  ASSERT_TRUE(started) << started.error().to_string();
  EXPECT_EQ(h.status("own"), InstanceStatus::kWaiting);
  EXPECT_EQ(iso_text(h.describe("own")->timer_due), "2026-01-08T22:00:00Z");
  // The start stored the window whole, named.
  EXPECT_EQ(h.describe("own")->send_window["name"], "night");
  EXPECT_EQ(h.describe("own")->send_window["from"], "22:00");

  // The step names none: it runs now, and "after" keeps to the start's.
  StartRequest step_none{"test.windowed", "step-none", {{"step_window", false}}, std::nullopt};
  step_none.send_window = "night";
  ASSERT_TRUE(h.start(step_none));
  EXPECT_EQ(run_times("step-none", "send").size(), 1u);
  EXPECT_TRUE(run_times("step-none", "after").empty());
  EXPECT_EQ(h.status("step-none"), InstanceStatus::kWaiting);

  // The step names the night window in a type whose window is open now.
  ASSERT_TRUE(h.start("test.windowed", "step-night", {{"step_window", "night"}}));
  EXPECT_EQ(h.status("step-night"), InstanceStatus::kWaiting);
  h.clock.set(iso_ms("2026-01-08T22:00:00Z"));
  h.fire_timers();
  EXPECT_EQ(run_times("step-night", "send"), std::vector<std::string>{"2026-01-08T22:00:00Z"});
  // "after" has the type's office hours: Friday 09:00 Paris.
  EXPECT_EQ(iso_text(h.describe("step-night")->timer_due), "2026-01-09T08:00:00Z");
  EXPECT_EQ(h.status("own"), InstanceStatus::kCompleted);  // the night covers both of its steps
}

TEST_F(SendWindowEngineTest, APausedWaitResumesIntoTheWindow) {
  h.clock.set(iso_ms("2026-01-10T12:00:00Z"));  // Saturday
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  ASSERT_TRUE(h.pause("w"));
  h.clock.set(iso_ms("2026-01-12T10:00:00Z"));  // Monday, the window opened while paused
  h.fire_timers();
  EXPECT_TRUE(run_times("w", "send").empty());
  ASSERT_TRUE(h.resume("w", ResumePolicy::kFire));
  h.fire_timers();
  EXPECT_EQ(run_times("w", "send"), std::vector<std::string>{"2026-01-12T10:00:00Z"});
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
}

TEST_F(SendWindowEngineTest, AResumeThatShiftsPastTheWindowWaitsAgain) {
  h.clock.set(iso_ms("2026-01-10T12:00:00Z"));  // Saturday
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  ASSERT_TRUE(h.pause("w"));
  // Paused 10 hours: the shifted opening is Monday 19:00 Paris, closed.
  h.clock.set(iso_ms("2026-01-10T22:00:00Z"));
  ASSERT_TRUE(h.resume("w"));
  h.clock.set(iso_ms("2026-01-12T18:00:00Z"));
  h.fire_timers();
  EXPECT_TRUE(run_times("w", "send").empty());
  EXPECT_EQ(deferrals("w").size(), 2u);
  EXPECT_EQ(iso_text(h.describe("w")->timer_due), "2026-01-13T08:00:00Z");
}

TEST_F(SendWindowEngineTest, KeepsParisOfficeHoursAcrossTheSpringChange) {
  // Saturday 2026-03-28; Paris moves to CEST on Sunday.
  h.clock.set(iso_ms("2026-03-28T12:00:00Z"));
  open();
  ASSERT_TRUE(h.start("test.windowed", "w"));
  EXPECT_EQ(iso_text(h.describe("w")->timer_due), "2026-03-30T07:00:00Z");  // Monday 09:00 CEST
  h.clock.set(iso_ms("2026-03-30T06:59:00Z"));  // 08:59 CEST
  h.fire_timers();
  EXPECT_TRUE(run_times("w", "send").empty());
  h.advance(kMinuteMs);
  EXPECT_EQ(run_times("w", "send"), std::vector<std::string>{"2026-03-30T07:00:00Z"});
}

TEST_F(SendWindowEngineTest, TheRecipientsZoneComesFromTheInput) {
  h.clock.set(iso_ms("2026-01-08T12:00:00Z"));  // Thursday: 13:00 Paris, 07:00 New York
  nlohmann::json recipient_hours = kParisOffice;
  recipient_hours["timezone_from"] = "contact.tz";
  open(recipient_hours);
  ASSERT_TRUE(h.start("test.windowed", "ny", {{"contact", {{"tz", "America/New_York"}}}}));
  EXPECT_EQ(iso_text(h.describe("ny")->timer_due), "2026-01-08T14:00:00Z");  // 09:00 EST
  EXPECT_EQ(deferrals("ny")[0].data["timezone"], "America/New_York");
  ASSERT_TRUE(h.start("test.windowed", "paris", {{"contact", {{"email", "a@example.com"}}}}));
  EXPECT_EQ(h.status("paris"), InstanceStatus::kCompleted);  // no zone given: the window's own

  auto bad = h.start("test.windowed", "mars", {{"contact", {{"tz", "Mars/Base"}}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("input.contact.tz: unknown time zone \"Mars/Base\""), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(h.describe("mars"));  // refused before anything was stored
}

TEST_F(SendWindowEngineTest, AStartOrAStepNamingAnUnknownWindowIsRefusedClearly) {
  h.clock.set(iso_ms("2026-01-08T12:00:00Z"));
  open(std::nullopt);
  StartRequest start{"test.windowed", "typo", nlohmann::json::object(), std::nullopt};
  start.send_window = "nigth";
  auto refused = h.start(start);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "unknown send window \"nigth\" (defined: night)");
  EXPECT_FALSE(h.describe("typo"));

  ASSERT_TRUE(h.start("test.windowed", "step-typo", {{"step_window", "nigth"}}));
  auto d = h.describe("step-typo");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, InstanceStatus::kFailed);
  EXPECT_NE(d->last_error.find("step 'send': unknown send window \"nigth\" (defined: night)"), std::string::npos)
      << d->last_error;
  EXPECT_TRUE(run_times("step-typo", "send").empty());
}

}  // namespace
}  // namespace sundial
