// The Notion family (workflow_module.h): the route POST /webhooks/notion
// (notion_route.h) and two Lua workflow types shipped with it:
//  - "notion_rollup" (workflows/notion/notion_rollup.lua): the Objectives
//    → Tasks fan-out with a serialized, coalesced recompute per assignee
//    (docs/recipes/notion-rollup-fanout.md), configured by [notion_rollup];
//  - "notion_github_sync" (notion_github_sync.lua): Notion tasks ↔ GitHub
//    issues and pull requests, with the route POST /webhooks/github
//    (github_route.h) and a poll schedule (docs/recipes/notion-github-
//    sync.md), configured by [notion_github_sync];
//  - "notion_reschedule" and "notion_critical_path" (notion_reschedule.lua,
//    notion_critical_path.lua): dependency rescheduling and the critical
//    path of a project over the event bus (docs/recipes/notion-
//    dependencies.md), configured by [notion_dependencies]. The route
//    publishes TaskPropertiesUpdated to the topic; the two subscriptions
//    the module declares start the workflows.
// Each table becomes its type's ctx.config ([workflows.<type>] keys
// override it). The clients are [notion] and [github] (server config).
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
inline constexpr std::string_view kNotionGitHubSyncWorkflow = "notion_github_sync";
// The poll schedule's id (declared when the sync is configured).
inline constexpr std::string_view kNotionGitHubSyncPoll = "notion-github-sync-poll";
inline constexpr std::string_view kNotionRescheduleWorkflow = "notion_reschedule";
inline constexpr std::string_view kNotionCriticalPathWorkflow = "notion_critical_path";
// The subscriptions declared when [notion_dependencies] is configured.
inline constexpr std::string_view kNotionRescheduleSubscription = "notion-dependencies-reschedule";
inline constexpr std::string_view kNotionCriticalPathSubscription = "notion-dependencies-critical-path";
// The event types on the topic: the route publishes the first, the
// reschedule workflow the next two, the critical path workflow the last.
inline constexpr std::string_view kTaskPropertiesUpdated = "TaskPropertiesUpdated";
inline constexpr std::string_view kDependentTasksRescheduled = "DependentTasksRescheduled";
inline constexpr std::string_view kProjectScheduleChanged = "ProjectScheduleChanged";
inline constexpr std::string_view kCriticalPathCalculated = "CriticalPathCalculated";

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

// [notion_github_sync]: Notion tasks ↔ GitHub issues and pull requests
// (workflows/notion/notion_github_sync.lua, docs/recipes/notion-github-sync.md).
// Unset tasks_db_id or repo: the sync is off (its deliveries are ignored,
// no poll runs).
struct NotionGitHubSyncSettings {
  std::string tasks_db_id;
  std::string tasks_data_source_id;
  std::string repo;  // "owner/name"
  // Where GitHub posts (signed with $GITHUB_WEBHOOK_SECRET, [github] secret_env).
  std::string github_webhook_path = "/webhooks/github";
  // The GitHub login Sundial's token acts as: its deliveries are its own
  // changes, acknowledged and ignored. Empty: every delivery is read (the
  // snapshot comparison still ignores what Sundial did).
  std::string github_login;
  // Properties of the Tasks database.
  std::string title_property = "Name";
  std::string status_property = "Status";
  std::string status_type = "status";  // "status" or "select"
  std::string assignee_property = "Assignee";
  std::string priority_property = "Priority";   // select
  std::string issue_property = "GitHub Issue";  // url, written; "" to skip
  std::string pull_property = "GitHub PR";      // url, written; "" to skip
  std::vector<std::string> done_statuses = {"Done", "Shipped"};
  std::string review_status = "Ready for Review";
  std::string closed_status = "Done";            // set when the issue is closed on GitHub
  std::string shipped_status = "Shipped";        // set when the pull request is merged
  std::vector<std::string> labels = {"notion"};  // on every issue
  std::vector<std::string> priority_labels;      // "High=priority: high", ...
  std::vector<std::string> assignee_logins;      // "<Notion user id>=<GitHub login>", ...
  std::string branch_prefix = "notion/";         // + the first 8 hex digits of the page id
  std::string base_branch = "main";
  std::string merge_method = "squash";
  // The poller: every `poll_every` (0: off), the pages edited since the
  // last poll; the first poll looks back `poll_window`.
  DurationMs poll_every = 5 * kMinuteMs;
  DurationMs poll_window = kHourMs;

  bool enabled() const { return !tasks_db_id.empty() && !repo.empty(); }
};

// [notion_dependencies]: when a task's end date moves, the tasks that
// depend on it move by as many working days, down the chain; when a
// project's dates or dependencies change, its critical path is computed
// and flagged (docs/recipes/notion-dependencies.md). Deliveries come in
// through [notion_rollup] webhook_path. Unset tasks_db_id: off.
struct NotionDependenciesSettings {
  std::string tasks_db_id;
  std::string tasks_data_source_id;
  // Properties of the Tasks database.
  std::string dates_property = "Dates";             // date: start → end (a range), or one day
  std::string blocked_by_property = "Blocked by";   // relation: the tasks this one waits for
  std::string project_property = "Project";         // relation or select; "": one graph
  std::string critical_property = "Critical";       // checkbox, written; "": not written
  bool skip_weekends = true;                        // shifts and durations count weekdays only
  std::string topic = "tasks";                      // where the events go
  // A burst of changes to one project becomes one critical path run once
  // the project has been quiet this long (at most a minute after the
  // burst's first change). 0: no wait; a burst folds into one follow-up.
  DurationMs critical_path_debounce = 5 * kSecondMs;
  // "dry_run" (the default: shifts and flags are computed, logged and
  // published, nothing is written to Notion) or "live".
  std::string mode = "dry_run";

  bool enabled() const { return !tasks_db_id.empty(); }
};

struct NotionModule {
  static constexpr std::string_view kName = "notion";
  struct Settings {
    NotionRollupSettings notion_rollup;
    NotionGitHubSyncSettings notion_github_sync;
    NotionDependenciesSettings notion_dependencies;
  };
  static std::vector<ConfigTable> config(Settings& settings);
  static Result<void> start(const Settings& settings, ModuleHost& host);
};

}  // namespace sundial
