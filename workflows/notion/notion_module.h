// The Notion family (workflow_module.h): the route POST /webhooks/notion
// (notion_route.h) and the Lua workflow type "notion_rollup" shipped in
// workflows/notion/notion_rollup.lua — the Objectives → Tasks fan-out with
// a serialized, coalesced recompute per assignee
// (docs/recipes/notion-rollup-fanout.md). The [notion_rollup] table
// configures both; it becomes the type's ctx.config ([workflows.
// notion_rollup] keys override it). The Notion client itself is [notion]
// (server config: token, version, rate).
//
// Threading: start-up only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/workflow_module.h"

namespace sundial {

inline constexpr std::string_view kNotionRollupWorkflow = "notion_rollup";

struct NotionRollupSettings {
  // Where Notion posts: integration webhooks (signed with the
  // verification token: [notion] secret_env, NOTION_WEBHOOK_SECRET) and
  // database automations' "Send webhook" (a shared secret header).
  std::string webhook_path = "/webhooks/notion";
  std::string automation_header = "x-sundial-secret";
  std::string automation_secret_env = "NOTION_AUTOMATION_SECRET";
  // The databases (and, with Notion-Version 2025-09-03, optionally their
  // data sources, which webhook events may name as the parent). Unset:
  // every delivery is acknowledged and ignored.
  std::string objectives_db_id;
  std::string objectives_data_source_id;
  std::string tasks_db_id;
  std::string tasks_data_source_id;
  // Properties of the Tasks database.
  std::string relation_property = "Objective";
  std::string people_property = "Assignee";
  std::string importance_property = "Importance";  // number or rollup: higher first
  std::string due_property = "Due";                // date: earlier first
  std::string estimate_property = "Estimate";      // number of hours
  std::string status_property = "Status";
  std::string status_type = "status";  // the property's type: "status" or "select"
  std::vector<std::string> done_statuses = {"Done"};
  std::string rank_property = "Queue Rank";                 // written: 1..n
  std::string projected_property = "Projected Completion";  // written: a date
  double daily_capacity = 6;                                // hours of work per weekday
  double default_estimate = 1;                              // hours, for a task without an estimate
  // A burst of changes to one objective becomes one fan-out once the
  // objective has been quiet this long (at most a minute after the
  // burst's first change). 0: no wait; a burst folds into one follow-up.
  DurationMs objective_debounce = 5 * kSecondMs;
  // The people whose tasks may be recomputed (Notion user ids), or "*".
  std::vector<std::string> allow;
  // "dry_run" (the default: plans are logged and returned, nothing is
  // written) or "live".
  std::string mode = "dry_run";
};

struct NotionModule {
  static constexpr std::string_view kName = "notion";
  struct Settings {
    NotionRollupSettings notion_rollup;
  };
  static std::vector<ConfigTable> config(Settings& settings);
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
