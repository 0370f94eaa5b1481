// The Lua ports of the nurture and reminders workflows
// (workflows/<family>/port/*.lua) against the C++ ones: they finish the
// instances the C++ workflows left mid-sequence in
// tests/fixtures/legacy-nurture-reminders (same steps, same emails, no
// non_determinism), run new instances the same way, and refuse the same
// inputs with the same messages. The scripts are registered under the real
// type names in a registry without the C++ modules. Real RocksDB (a copy
// of the fixture) and a ManualClock; Resend in log mode.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/http/async_http_client.h"
#include "connectors/resend/resend_client.h"
#include "tests/workflows/legacy_cpp_workflows.h"
#include "tests/workflows/legacy_scenario.h"
#include "workflows/lua/script.h"
#include "workflows/lua/workflow.h"

namespace sundial::testing {
namespace {

const std::string kFixture = SUNDIAL_SOURCE_DIR "/tests/fixtures/legacy-nurture-reminders";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<lua::LuaScript> load_port(const std::string& type, std::shared_ptr<const EmailDeps> email,
                                          nlohmann::json config = nlohmann::json::object()) {
  lua::LuaOptions options;
  options.effects.email = std::move(email);
  options.config = std::move(config);
  std::string path = SUNDIAL_SOURCE_DIR "/workflows/" + type + "/port/" + type + ".lua";
  auto script = lua::LuaScript::load(type, read_text(path), type + ".lua", options);
  EXPECT_TRUE(script) << script.error().message;
  return script ? *script : nullptr;
}

// The C++ journals with the one difference the ports have: ctx:email
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

// One engine with either the C++ types or the Lua ports registered as
// "nurture" and "reminders".
struct LegacyRun {
  explicit LegacyRun(bool lua) {
    if (lua) {
      for (const auto& [type, deps] : {std::pair{"nurture", nurture}, std::pair{"reminders", reminders}}) {
        auto script = load_port(type, deps);
        if (script) {
          EXPECT_TRUE(lua::register_lua_script(h.registry, script));
        }
      }
    } else {
      register_cpp_legacy_types(h.registry, *nurture, *reminders);
    }
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
  ResendClient resend{h.loop, h.clock, http, ResendOptions{}};  // log mode
  TemplateSet nurture_templates = legacy_nurture_templates();
  TemplateSet reminder_templates = legacy_reminder_templates();
  std::shared_ptr<const EmailDeps> nurture =
      std::make_shared<EmailDeps>(EmailDeps{resend, nurture_templates, "Sundial <hi@example.com>"});
  std::shared_ptr<const EmailDeps> reminders =
      std::make_shared<EmailDeps>(EmailDeps{resend, reminder_templates, "Sundial <hi@example.com>"});
};

TEST(LegacyWorkflowReplay, LuaPortsFinishTheCppInstancesAsTheCppWorkflowsWould) {
  std::map<std::string, std::string> cpp_journals;
  {
    LegacyRun cpp(false);
    cpp.open_fixture_copy();
    finish_legacy_scenario(cpp.h);
    cpp_journals = as_lua_sends(cpp.journals());
  }
  LegacyRun lua(true);
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
  std::map<std::string, std::string> cpp_journals;
  {
    LegacyRun cpp(false);
    cpp.h.open();
    write_legacy_scenario(cpp.h);
    finish_legacy_scenario(cpp.h);
    cpp_journals = as_lua_sends(cpp.journals());
  }
  LegacyRun lua(true);
  lua.h.open();
  write_legacy_scenario(lua.h);
  finish_legacy_scenario(lua.h);
  auto lua_journals = lua.journals();
  for (const auto& id : kLegacyIds) {
    EXPECT_EQ(lua.h.status(id), InstanceStatus::kCompleted) << id;
    EXPECT_EQ(lua_journals[id], cpp_journals[id]) << id;
  }
}

// The inputs each check refuses or rewrites, and the answer of each.
TEST(LegacyWorkflowReplay, ValidateAnswersAsTheCppChecks) {
  LegacyRun cpp(false);
  LegacyRun lua(true);
  auto same = [&](const std::string& type, const nlohmann::json& input) {
    auto want = cpp.h.registry.find(type)->prepare_input(input);
    auto got = lua.h.registry.find(type)->prepare_input(input);
    ASSERT_EQ(got.has_value(), want.has_value())
        << type << " " << input.dump() << ": " << (got ? got->dump() : got.error().message);
    if (want) {
      EXPECT_EQ(*got, *want) << type << " " << input.dump();
    } else {
      EXPECT_EQ(got.error().code, want.error().code) << input.dump();
      EXPECT_EQ(got.error().message, want.error().message) << input.dump();
    }
  };
  using J = nlohmann::json;
  for (const J& input : {J(nullptr),
                         J::object(),
                         J("text"),
                         J{{"email", " Ada@Example.COM "}},
                         J{{"email", "a@b.co"}, {"red", 1}},
                         J{{"email", "a@b.co"}, {"orange", 3}},
                         J{{"email", "a@b.co"}, {"red", 2}, {"segment", "optimize"}},
                         J{{"email", "a@b.co"}, {"segment", "loud"}},
                         J{{"email", "a@b.co"}, {"red", 10000}},
                         J{{"email", "a@b.co"}, {"red", -1}},
                         J{{"email", "a@b.co"}, {"red", 1.5}},
                         J{{"email", "a@b.co"}, {"first_name", 7}},
                         J{{"email", "a@b.co"}, {"nickname", "x"}},
                         J{{"email", "nope"}},
                         J{{"email", "a@b"}},
                         J{{"email", "@b.co"}},
                         J{{"email", "a@b.c"}},
                         J{{"email", "a b@c.co"}},
                         J{{"email", "a@b.co"}, {"offsets_ms", {0, 5}}},
                         J{{"email", "a@b.co"}, {"offsets_ms", {-1}}},
                         J{{"email", "a@b.co"}, {"offsets_ms", "1d"}},
                         J{{"email", "a@b.co"}, {"offsets_ms", {0, 3650 * kDayMs + 1}}}}) {
    same("nurture", input);
  }
  for (const J& input :
       {J(nullptr), J{{"attendee_email", "a@b.co"}}, J{{"start_ms", 5}, {"attendee_email", "A@B.co"}},
        J{{"start_ms", 5}, {"attendee_email", "a@b.co"}, {"before_ms", {kHourMs, kDayMs, kHourMs}}},
        J{{"start_ms", -5}, {"attendee_email", "a@b.co"}},
        J{{"start_ms", 253402300800000}, {"attendee_email", "a@b.co"}}, J{{"start_ms", 5}},
        J{{"start_ms", 5}, {"attendee_email", "a@b.co"}, {"title", 1}},
        J{{"start_ms", 5}, {"attendee_email", "a@b.co"}, {"where", "zoom"}}}) {
    same("reminders", input);
  }
}

// [workflows.<type>] replaces the C++ [nurture] offsets and [reminders]
// before: durations as milliseconds or text.
TEST(LegacyWorkflowReplay, TheConfigGivesTheDefaultDelays) {
  LegacyRun run(false);
  auto nurture = load_port("nurture", run.nurture, {{"offsets", {0, "1d", "1h30m"}}});
  ASSERT_TRUE(nurture);
  auto n = nurture->validate({{"email", "a@b.co"}});
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ((*n)["offsets_ms"], nlohmann::json({0, kDayMs, kHourMs + 30 * kMinuteMs}));
  auto reminders = load_port("reminders", run.reminders, {{"before", {"1h", "2d", "1h"}}});
  ASSERT_TRUE(reminders);
  auto r = reminders->validate({{"start_ms", 5}, {"attendee_email", "a@b.co"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["before_ms"], nlohmann::json({2 * kDayMs, kHourMs}));
  auto bad = nurture->validate(nlohmann::json::object());
  EXPECT_FALSE(bad);
  auto typo = load_port("nurture", run.nurture, {{"offsets", {"1 day"}}});
  ASSERT_TRUE(typo);
  auto refused = typo->validate({{"email", "a@b.co"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "[workflows.nurture] offsets: '1 day' is not a duration");
}

}  // namespace
}  // namespace sundial::testing
