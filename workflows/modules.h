// The workflow families sundiald runs: one line each (cf. Envoy's
// extension registry). A family lives in workflows/<family>/ and declares
// its workflow types, webhook routes and config section in its
// <family>_module.h (workflows/module/workflow_module.h); adding one is
// that folder plus its line here. server/config parses the families'
// tables and server/daemon.cc starts them from this list.
//
// Threading: start-up only.
#pragma once

#include "workflows/bench/bench_module.h"
#include "workflows/module/workflow_module.h"
#include "workflows/notion/notion_module.h"
#include "workflows/nurture/nurture_module.h"
#include "workflows/reminders/reminders_module.h"

namespace sundial {

using BuiltinModules = ModuleList<BenchModule, NurtureModule, RemindersModule, NotionModule>;

}  // namespace sundial
