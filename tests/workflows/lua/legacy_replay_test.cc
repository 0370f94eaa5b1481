// The shipped Lua nurture and reminders (workflows/<family>/<type>.lua)
// against what the C++ workflows they replaced did (issue 13):
//  - they finish the instances the C++ build left mid-sequence in
//    tests/fixtures/legacy-nurture-reminders (same steps, same emails, no
//    non_determinism), with the journals the C++ workflows wrote when they
//    finished them (tests/fixtures/legacy-nurture-reminders.finished.txt,
//    recorded from the C++ build);
//  - new instances run the same way: the journals at the fixture's "now"
//    are the fixture's, and their end is the recorded one;
//  - validate answers each input as the C++ input checks did
//    (tests/fixtures/legacy-nurture-reminders.validate.tsv, recorded).
// Real RocksDB (a copy of the fixture) and a ManualClock; Resend in log
// mode.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/http/async_http_client.h"
#include "connectors/resend/resend_client.h"
#include "tests/workflows/legacy_scenario.h"
#include "tests/workflows/lua/shipped_script.h"

namespace sundial::testing {
namespace {

const std::string kFixture = SUNDIAL_SOURCE_DIR "/tests/fixtures/legacy-nurture-reminders";

// The C++ journals at the end of the scenario, by instance id
// ("# <id>" then the instance's lines).
std::map<std::string, std::string> recorded_cpp_journals() {
  std::ifstream in(kFixture + ".finished.txt");
  std::map<std::string, std::string> out;
  std::string line, id;
  while (std::getline(in, line)) {
    if (line.starts_with("# ")) {
      id = line.substr(2);
    } else {
      out[id] += line + "\n";
    }
  }
  return out;
}

// The C++ journals with the one difference the scripts have: ctx:email
// sends to the address normalized (trimmed, lower-cased), where the C++
// reminders sent to the attendee_email as the input gave it.
std::map<std::string, std::string> as_lua_sends(std::map<std::string, std::string> journals) {
  for (auto& [id, text] : journals) {
    for (size_t at; (at = text.find(R"("to":"Dee@Example.com")")) != std::string::npos;) {
      text.replace(at, 22, R"("to":"dee@example.com")");
    }
  }
  return journals;
}

// One engine with the shipped scripts registered as "nurture" and
// "reminders", with the fixture's test templates.
struct LegacyRun {
  LegacyRun() {
    register_shipped_script(h.registry, "nurture", nurture);
    register_shipped_script(h.registry, "reminders", reminders);
  }
  void open_fixture_copy() {
    std::filesystem::copy(kFixture, h.dir.sub("data"), std::filesystem::copy_options::recursive);
    h.open();
  }
  std::map<std::string, std::string> journals() {
    std::map<std::string, std::string> out;
    for (const auto& id : kLegacyIds) out[id] = legacy_journal(h, id);
    return out;
  }
  std::vector<std::string> steps(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : h.history(id)) {
      EXPECT_NE(e.kind, EntryKind::kFailed) << id << ": " << e.error;
      if (e.kind == EntryKind::kStepCompleted) out.push_back(e.name);
    }
    return out;
  }

  EngineHarness h;
  AsyncHttpClient http{h.loop, h.clock};
  Limiters limiters{h.loop, h.clock, with_resend_limiter({}, ResendOptions{})};
  ResendClient resend{http, limiters, ResendOptions{}};  // log mode
  TemplateSet nurture_templates = legacy_nurture_templates();
  TemplateSet reminder_templates = legacy_reminder_templates();
  std::shared_ptr<const EmailDeps> nurture =
      std::make_shared<EmailDeps>(EmailDeps{resend, nurture_templates, "Sundial <hi@example.com>"});
  std::shared_ptr<const EmailDeps> reminders =
      std::make_shared<EmailDeps>(EmailDeps{resend, reminder_templates, "Sundial <hi@example.com>"});
};

TEST(LegacyWorkflowReplay, TheShippedScriptsFinishTheCppInstancesAsTheCppWorkflowsDid) {
  auto cpp_journals = as_lua_sends(recorded_cpp_journals());
  ASSERT_EQ(cpp_journals.size(), kLegacyIds.size());
  LegacyRun lua;
  lua.open_fixture_copy();
  finish_legacy_scenario(lua.h);
  for (const auto& id : kLegacyIds) {
    EXPECT_EQ(lua.h.status(id), InstanceStatus::kCompleted) << id << ": " << lua.h.describe(id)->last_error;
  }
  EXPECT_EQ(lua.steps("nurture:ada@example.com"),
            (std::vector<std::string>{"send-1", "send-2", "send-3", "send-4", "send-5", "send-6", "send-7"}));
  EXPECT_EQ(lua.steps("nurture:bob@example.com"), (std::vector<std::string>{"send-1"}));
  EXPECT_EQ(lua.steps("nurture:cy@example.com"), (std::vector<std::string>{"send-1", "send-2", "send-3"}));
  EXPECT_EQ(lua.steps("booking:bk1"), (std::vector<std::string>{"reminder-1d", "reminder-1h"}));
  EXPECT_EQ(lua.steps("booking:bk2"), (std::vector<std::string>{"reminder-1h", "reminder-15m"}));
  auto lua_journals = lua.journals();
  for (const auto& id : kLegacyIds) EXPECT_EQ(lua_journals[id], cpp_journals[id]) << id;
}

TEST(LegacyWorkflowReplay, NewInstancesRunAsTheCppOnes) {
  // The fixture as the C++ build left it (its clock at kLegacyEnd: nothing
  // runs on opening it).
  std::map<std::string, std::string> fixture_journals;
  {
    LegacyRun fixture;
    fixture.h.clock.set(kLegacyEnd);
    fixture.open_fixture_copy();
    fixture_journals = fixture.journals();
  }
  LegacyRun lua;
  lua.h.open();
  write_legacy_scenario(lua.h);
  auto midway = lua.journals();
  for (const auto& id : kLegacyIds) EXPECT_EQ(midway[id], fixture_journals[id]) << id;
  finish_legacy_scenario(lua.h);
  auto cpp_journals = as_lua_sends(recorded_cpp_journals());
  auto lua_journals = lua.journals();
  for (const auto& id : kLegacyIds) {
    EXPECT_EQ(lua.h.status(id), InstanceStatus::kCompleted) << id;
    EXPECT_EQ(lua_journals[id], cpp_journals[id]) << id;
  }
}

// Each recorded line: type, input, OK or ERR, then the stored input or
// the message of the C++ check.
TEST(LegacyWorkflowReplay, ValidateAnswersAsTheCppChecksDid) {
  LegacyRun lua;
  std::ifstream in(kFixture + ".validate.tsv");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string part; std::getline(fields, part, '\t');) f.push_back(part);
    ASSERT_EQ(f.size(), 4u) << line;
    auto got = lua.h.registry.find(f[0])->prepare_input(nlohmann::json::parse(f[1]));
    ASSERT_EQ(got.has_value(), f[2] == "OK") << line << ": " << (got ? got->dump() : got.error().message);
    if (got) {
      EXPECT_EQ(*got, nlohmann::json::parse(f[3])) << line;
    } else {
      EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument) << line;
      EXPECT_EQ(got.error().message, f[3]) << line;
    }
    ++cases;
  }
  EXPECT_EQ(cases, 31);
}

// [workflows.<type>] keys over the module's table: durations as
// milliseconds or text.
TEST(LegacyWorkflowReplay, TheConfigGivesTheDefaultDelays) {
  LegacyRun run;
  auto nurture = load_shipped_script("nurture", run.nurture, {{"offsets", {0, "1d", "1h30m"}}});
  ASSERT_TRUE(nurture);
  auto n = nurture->validate({{"email", "a@b.co"}});
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ((*n)["offsets_ms"], nlohmann::json({0, kDayMs, kHourMs + 30 * kMinuteMs}));
  auto reminders = load_shipped_script("reminders", run.reminders, {{"before", {"1h", "2d", "1h"}}});
  ASSERT_TRUE(reminders);
  auto r = reminders->validate({{"start_ms", 5}, {"attendee_email", "a@b.co"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["before_ms"], nlohmann::json({2 * kDayMs, kHourMs}));
  auto bad = nurture->validate(nlohmann::json::object());
  EXPECT_FALSE(bad);
  auto typo = load_shipped_script("nurture", run.nurture, {{"offsets", {"1 day"}}});
  ASSERT_TRUE(typo);
  auto refused = typo->validate({{"email", "a@b.co"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "[workflows.nurture] offsets: '1 day' is not a duration");
}

}  // namespace
}  // namespace sundial::testing
