// The C++ nurture and reminders workflow types as sundiald registers them
// (workflows/nurture/nurture_module.cc, workflows/reminders/
// reminders_module.cc), with their default settings, for the legacy
// fixture's generator and the Lua ports' comparison. Goes away with the
// C++ workflows.
//
// Threading: start-up of a test. Ownership: the deps are borrowed and must
// outlive the registry's use.
#pragma once

#include <gtest/gtest.h>

#include "workflows/nurture/nurture.h"
#include "workflows/nurture/nurture_module.h"
#include "workflows/reminders/reminders.h"
#include "workflows/reminders/reminders_module.h"

namespace sundial::testing {

inline void register_cpp_legacy_types(Registry& registry, const EmailDeps& nurture,
                                      const EmailDeps& reminders) {
  auto offsets = NurtureSettings{}.offsets;
  ASSERT_TRUE(registry.add(
      kNurtureWorkflow, "nurture", [&nurture](Context& ctx) { return nurture_workflow(ctx, nurture); },
      [offsets](const nlohmann::json& input) { return check_nurture_input(input, offsets); }));
  auto before = RemindersSettings{}.before;
  ASSERT_TRUE(registry.add(
      kRemindersWorkflow, "reminders",
      [&reminders](Context& ctx) { return reminders_workflow(ctx, reminders); },
      [before](const nlohmann::json& input) { return check_reminders_input(input, before); }));
}

}  // namespace sundial::testing
