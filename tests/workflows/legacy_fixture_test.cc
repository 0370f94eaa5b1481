// The generator of tests/fixtures/legacy-nurture-reminders (see the README
// there): the C++ nurture and reminders workflows run the legacy scenario
// (legacy_scenario.h) on a real engine and the closed data directory is
// copied to $SUNDIAL_FIXTURE_OUT. Disabled: run it by hand, only while the
// C++ workflows exist.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "connectors/http/async_http_client.h"
#include "connectors/resend/resend_client.h"
#include "tests/workflows/legacy_cpp_workflows.h"
#include "tests/workflows/legacy_scenario.h"

namespace sundial::testing {
namespace {

TEST(LegacyFixture, DISABLED_Write) {
  const char* out = std::getenv("SUNDIAL_FIXTURE_OUT");
  ASSERT_NE(out, nullptr) << "set SUNDIAL_FIXTURE_OUT to the directory to write";
  ASSERT_FALSE(std::filesystem::exists(out)) << out << " exists already";
  EngineHarness h;
  AsyncHttpClient http(h.loop, h.clock);
  ResendClient resend(h.loop, h.clock, http, ResendOptions{});  // log mode
  TemplateSet nurture_templates = legacy_nurture_templates();
  TemplateSet reminder_templates = legacy_reminder_templates();
  EmailDeps nurture{resend, nurture_templates, "Sundial <hi@example.com>"};
  EmailDeps reminders{resend, reminder_templates, "Sundial <hi@example.com>"};
  register_cpp_legacy_types(h.registry, nurture, reminders);
  h.open();
  write_legacy_scenario(h);
  for (const auto& id : kLegacyIds) std::cout << id << "\n" << legacy_journal(h, id);
  h.close();
  std::filesystem::create_directories(out);
  for (const auto& f : std::filesystem::directory_iterator(h.dir.sub("data"))) {
    std::string name = f.path().filename().string();
    if (name == "LOCK" || name.starts_with("LOG")) continue;  // not needed to open it
    std::filesystem::copy(f.path(), std::filesystem::path(out) / name);
  }
}

}  // namespace
}  // namespace sundial::testing
