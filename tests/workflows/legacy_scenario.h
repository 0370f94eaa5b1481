// The nurture and reminders scenario behind tests/fixtures/legacy-nurture-
// reminders: what the C++ workflows (deleted in issue 13) journaled
// mid-sequence, written once to a data directory and kept, so the shipped
// Lua scripts (workflows/<family>/*.lua) are tested against real old
// journals. write_legacy_scenario() ran the scenario to write it (see
// tests/fixtures/README.md) and runs it again for new Lua instances;
// finish_legacy_scenario() drives any data directory holding it to the end.
//
// The email templates are test ones whose subjects carry every variable,
// so a journaled step result ({log_mode, to, subject}) shows the whole
// input of the email.
//
// Threading: the test's thread (an EngineHarness). Ownership: values.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/engine_harness.h"
#include "workflows/email/email_step.h"

namespace sundial::testing {

// ManualClock's default start: 2026-01-01 00:00 UTC.
inline constexpr TimeMs kLegacyStart = 1767225600000;
// Where the generator stops: the fixture's "now".
inline constexpr TimeMs kLegacyEnd = kLegacyStart + kDayMs + 40 * kMinuteMs;

// nurture: Ada (optimize, default offsets, emails 1-2 sent), Bob (critical,
// email 1 sent then "booked": completed), Cy (urgent, offsets 0/2d/4d,
// email 1 sent). reminders: bk1 (24h sent, 1h pending), bk2 (started a
// day later, too late for its 24h reminder; 1h and 15m pending; no name or
// title; a lead time listed twice).
inline const std::vector<std::string> kLegacyIds = {"nurture:ada@example.com", "nurture:bob@example.com",
                                                    "nurture:cy@example.com", "booking:bk1", "booking:bk2"};

// Templates named as the real ones (templates/nurture, templates/reminders):
// a segment variant for email 1 only, so both the variant and the fallback
// are used.
inline TemplateSet legacy_nurture_templates() {
  TemplateSet set;
  auto add = [&](const std::string& name) {
    auto t = parse_email_template(
        name, "--- subject\n" + name +
                  " {{first_name}} {{email}} {{segment}} {{red}} {{orange}}\n--- html\n<p>" + name +
                  "</p>\n");
    EXPECT_TRUE(t) << t.error().message;
    if (t) set.add(std::move(*t));
  };
  for (const char* n : {"email-1", "email-1.critical", "email-1.urgent", "email-1.optimize"}) add(n);
  for (int i = 2; i <= 7; ++i) add("email-" + std::to_string(i));
  return set;
}

inline TemplateSet legacy_reminder_templates() {
  TemplateSet set;
  auto t = parse_email_template(
      "reminder",
      "--- subject\n{{title}} / {{attendee_name}} / {{start_time}} / {{lead_time}}\n--- html\n<p>r</p>\n");
  EXPECT_TRUE(t) << t.error().message;
  if (t) set.add(std::move(*t));
  return set;
}

// Starts the five instances at kLegacyStart and runs to kLegacyEnd.
inline void write_legacy_scenario(EngineHarness& h) {
  ASSERT_EQ(h.clock.now_ms(), kLegacyStart);
  ASSERT_TRUE(h.start("nurture", "nurture:ada@example.com",
                      {{"email", "Ada@Example.com"}, {"first_name", "Ada"}, {"orange", 2}}));
  ASSERT_TRUE(h.start("nurture", "nurture:bob@example.com", {{"email", "bob@example.com"}, {"red", 3}}));
  ASSERT_TRUE(h.start("nurture", "nurture:cy@example.com",
                      {{"email", "cy@example.com"},
                       {"first_name", "Cy"},
                       {"segment", "urgent"},
                       {"offsets_ms", {0, 2 * kDayMs, 4 * kDayMs}}}));
  ASSERT_TRUE(h.start("reminders", "booking:bk1",
                      {{"uid", "bk1"},
                       {"title", "Intro call"},
                       {"start_ms", kLegacyStart + 2 * kDayMs + 30 * kMinuteMs},
                       {"attendee_email", "ada@example.com"},
                       {"attendee_name", "Ada"}}));
  h.fire_timers();
  ASSERT_TRUE(h.signal("nurture:bob@example.com", "booked"));
  h.advance(kDayMs);
  // Booked 3 h ahead: too late for the 24 h reminder.
  ASSERT_TRUE(h.start("reminders", "booking:bk2",
                      {{"uid", "bk2"},
                       {"start_ms", kLegacyStart + kDayMs + 3 * kHourMs},
                       {"attendee_email", "Dee@Example.com"},
                       {"before_ms", {kHourMs, kDayMs, 15 * kMinuteMs, kHourMs}}}));
  h.advance(kLegacyEnd - h.clock.now_ms());
}

// Runs a data directory holding the scenario (at kLegacyEnd) to the end.
inline void finish_legacy_scenario(EngineHarness& h) {
  h.clock.set(kLegacyEnd);
  for (int i = 0; i < 12 * 24; ++i) h.advance(kHourMs);
}

// The instance's journal as text, one entry a line: kind, name, times, data.
inline std::string legacy_journal(EngineHarness& h, const std::string& id) {
  std::string out;
  for (const auto& e : h.history(id)) {
    out += std::to_string(static_cast<int>(e.kind)) + " " + e.name + " at=" + std::to_string(e.at) +
           " due=" + std::to_string(e.due) + " " + e.data.dump() + " " + e.error + "\n";
  }
  return out;
}

}  // namespace sundial::testing
