#include "workflows/notion/notion_module.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "connectors/github/github_names.h"
#include "connectors/notion/notion_client.h"
#include "engine/base/duration.h"
#include "workflows/notion/github_route.h"
#include "workflows/notion/notion_route.h"

namespace sundial {

std::vector<ConfigTable> NotionModule::config(Settings& s) {
  NotionRollupSettings& n = s.notion_rollup;
  NotionGitHubSyncSettings& g = s.notion_github_sync;
  NotionDependenciesSettings& d = s.notion_dependencies;
  return {{"notion_rollup",
           {{"webhook_path", StringField{&n.webhook_path}},
            {"automation_header", StringField{&n.automation_header}},
            {"automation_secret_env", StringField{&n.automation_secret_env}},
            {"objectives_db_id", StringField{&n.objectives_db_id}},
            {"objectives_data_source_id", StringField{&n.objectives_data_source_id}},
            {"tasks_db_id", StringField{&n.tasks_db_id}},
            {"tasks_data_source_id", StringField{&n.tasks_data_source_id}},
            {"relation_property", StringField{&n.relation_property}},
            {"people_property", StringField{&n.people_property}},
            {"importance_property", StringField{&n.importance_property}},
            {"due_property", StringField{&n.due_property}},
            {"estimate_property", StringField{&n.estimate_property}},
            {"status_property", StringField{&n.status_property}},
            {"status_type", StringField{&n.status_type}},
            {"done_statuses", StringListField{&n.done_statuses}},
            {"rank_property", StringField{&n.rank_property}},
            {"projected_property", StringField{&n.projected_property}},
            {"daily_capacity", NumberField{&n.daily_capacity, 0.1, 24}},
            {"default_estimate", NumberField{&n.default_estimate, 0, 10'000}},
            {"objective_debounce", DurationField{&n.objective_debounce}},
            {"allow", StringListField{&n.allow}},
            {"mode", StringField{&n.mode}}}},
          {"notion_github_sync",
           {{"tasks_db_id", StringField{&g.tasks_db_id}},
            {"tasks_data_source_id", StringField{&g.tasks_data_source_id}},
            {"repo", StringField{&g.repo}},
            {"github_webhook_path", StringField{&g.github_webhook_path}},
            {"github_login", StringField{&g.github_login}},
            {"title_property", StringField{&g.title_property}},
            {"status_property", StringField{&g.status_property}},
            {"status_type", StringField{&g.status_type}},
            {"assignee_property", StringField{&g.assignee_property}},
            {"priority_property", StringField{&g.priority_property}},
            {"issue_property", StringField{&g.issue_property}},
            {"pull_property", StringField{&g.pull_property}},
            {"done_statuses", StringListField{&g.done_statuses}},
            {"review_status", StringField{&g.review_status}},
            {"closed_status", StringField{&g.closed_status}},
            {"shipped_status", StringField{&g.shipped_status}},
            {"labels", StringListField{&g.labels}},
            {"priority_labels", StringListField{&g.priority_labels}},
            {"assignee_logins", StringListField{&g.assignee_logins}},
            {"branch_prefix", StringField{&g.branch_prefix}},
            {"base_branch", StringField{&g.base_branch}},
            {"merge_method", StringField{&g.merge_method}},
            {"poll_every", DurationField{&g.poll_every}},
            {"poll_window", DurationField{&g.poll_window}}}},
          {"notion_dependencies",
           {{"tasks_db_id", StringField{&d.tasks_db_id}},
            {"tasks_data_source_id", StringField{&d.tasks_data_source_id}},
            {"dates_property", StringField{&d.dates_property}},
            {"blocked_by_property", StringField{&d.blocked_by_property}},
            {"project_property", StringField{&d.project_property}},
            {"critical_property", StringField{&d.critical_property}},
            {"skip_weekends", BoolField{&d.skip_weekends}},
            {"topic", StringField{&d.topic}},
            {"critical_path_debounce", DurationField{&d.critical_path_debounce}},
            {"mode", StringField{&d.mode}}}}};
}

namespace {

Result<void> check_sync_settings(const NotionGitHubSyncSettings& g) {
  auto invalid = [](std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "[notion_github_sync] " + std::move(message));
  };
  SUNDIAL_TRY(webhooks::check_route_path(g.github_webhook_path, "[notion_github_sync] github_webhook_path"));
  if (!g.enabled()) return ok();
  if (auto repo = parse_github_repo(g.repo); !repo) return invalid("repo: " + repo.error().message);
  if (!g.github_login.empty()) {
    if (auto login = check_github_login(g.github_login); !login)
      return invalid("github_login: " + login.error().message);
  }
  if (g.status_type != "status" && g.status_type != "select") {
    return invalid("status_type must be \"status\" or \"select\", not \"" + g.status_type + "\"");
  }
  if (g.merge_method != "squash" && g.merge_method != "merge" && g.merge_method != "rebase") {
    return invalid("merge_method must be \"squash\", \"merge\" or \"rebase\"");
  }
  if (auto base = check_github_ref(g.base_branch, "base_branch"); !base) return invalid(base.error().message);
  if (auto prefix = check_github_ref(g.branch_prefix + "x", "branch_prefix"); !prefix) {
    return invalid(prefix.error().message);
  }
  for (const auto* list : {&g.priority_labels, &g.assignee_logins}) {
    for (const std::string& entry : *list) {
      auto eq = entry.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == entry.size()) {
        return invalid("'" + entry + "' must be \"<name>=<value>\"");
      }
    }
  }
  if (g.poll_every != 0 && g.poll_every < 10 * kSecondMs)
    return invalid("poll_every must be 0 (off) or at least \"10s\"");
  if (g.poll_window <= 0 || g.poll_window > 30 * kDayMs)
    return invalid("poll_window must be from \"1s\" to \"30d\"");
  return ok();
}

Result<void> check_dependencies_settings(const NotionDependenciesSettings& d) {
  auto invalid = [](std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "[notion_dependencies] " + std::move(message));
  };
  if (d.mode != "dry_run" && d.mode != "live") {
    return invalid("mode must be \"dry_run\" or \"live\", not \"" + d.mode + "\"");
  }
  if (auto topic = check_topic_name(d.topic); !topic) return invalid("topic: " + topic.error().message);
  if (d.critical_path_debounce < 0 || d.critical_path_debounce > kHourMs) {
    return invalid("critical_path_debounce must be from \"0s\" to \"1h\"");
  }
  if (!d.enabled()) return ok();
  for (const auto& [key, id] : {std::pair{"tasks_db_id", &d.tasks_db_id},
                                std::pair{"tasks_data_source_id", &d.tasks_data_source_id}}) {
    if (id->empty()) continue;
    if (auto valid = check_notion_id(*id, key); !valid) return invalid(valid.error().message);
  }
  for (const auto& [key, name] : {std::pair{"dates_property", &d.dates_property},
                                  std::pair{"blocked_by_property", &d.blocked_by_property}}) {
    if (name->empty()) return invalid(std::string(key) + " must name a property of the Tasks database");
  }
  return ok();
}

// The two subscriptions that run the dependencies' workflows: every
// TaskPropertiesUpdated starts a reschedule (one at a time for the whole
// database, since two may move the same dependent), and every
// ProjectScheduleChanged a critical path run, serialized and debounced
// per project.
Result<std::vector<SubscriptionSpec>> dependencies_subscriptions(const NotionDependenciesSettings& d) {
  nlohmann::json reschedule_start = {
      {"type", kNotionRescheduleWorkflow},
      {"concurrency", {{"key", "notion-dependencies:reschedule"}, {"limit", 1}, {"on_busy", "queue"}}}};
  nlohmann::json path_concurrency = {{"key", "notion-dependencies:critical-path:{data.project}"}, {"limit", 1}};
  if (d.critical_path_debounce > 0) {
    path_concurrency["on_busy"] = "queue";
    path_concurrency["debounce"] = format_duration(d.critical_path_debounce);
    path_concurrency["max_wait"] = format_duration(std::max<DurationMs>(d.critical_path_debounce, kMinuteMs));
  } else {
    path_concurrency["on_busy"] = "coalesce";
  }
  std::vector<nlohmann::json> bodies = {
      {{"id", kNotionRescheduleSubscription},
       {"topic", d.topic},
       {"filter", {{"type", kTaskPropertiesUpdated}}},
       {"action", {{"start", std::move(reschedule_start)}}}},
      {{"id", kNotionCriticalPathSubscription},
       {"topic", d.topic},
       {"filter", {{"type", kProjectScheduleChanged}}},
       {"action",
        {{"start", {{"type", kNotionCriticalPathWorkflow}, {"concurrency", std::move(path_concurrency)}}}}}}};
  std::vector<SubscriptionSpec> out;
  for (const nlohmann::json& body : bodies) {
    auto spec = parse_subscription_spec(body);
    if (!spec) return make_error(ErrorCode::kInvalidArgument, "[notion_dependencies] " + spec.error().message);
    out.push_back(std::move(*spec));
  }
  return out;
}

}  // namespace

Result<void> NotionModule::start(const Settings& settings, ModuleHost& host) {
  const NotionRollupSettings& s = settings.notion_rollup;
  SUNDIAL_TRY(webhooks::check_route_path(s.webhook_path, "[notion_rollup] webhook_path"));
  if (s.mode != "dry_run" && s.mode != "live") {
    return make_error(ErrorCode::kInvalidArgument,
                      "[notion_rollup] mode must be \"dry_run\" or \"live\", not \"" + s.mode + "\"");
  }
  if (s.objective_debounce < 0 || s.objective_debounce > kHourMs) {
    return make_error(ErrorCode::kInvalidArgument,
                      "[notion_rollup] objective_debounce must be from \"0s\" to \"1h\"");
  }
  if (s.status_type != "status" && s.status_type != "select") {
    return make_error(
        ErrorCode::kInvalidArgument,
        "[notion_rollup] status_type must be \"status\" or \"select\", not \"" + s.status_type + "\"");
  }
  bool header_ok = !s.automation_header.empty() &&
                   std::all_of(s.automation_header.begin(), s.automation_header.end(), [](unsigned char c) {
                     return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '-';
                   });
  if (!header_ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      "[notion_rollup] automation_header must be a lower-case header name such as "
                      "\"x-sundial-secret\"");
  }
  const NotionGitHubSyncSettings& sync = settings.notion_github_sync;
  SUNDIAL_TRY(check_sync_settings(sync));
  const NotionDependenciesSettings& dependencies = settings.notion_dependencies;
  SUNDIAL_TRY(check_dependencies_settings(dependencies));
  Settings copy = settings;  // config() binds to settings it may write
  std::vector<ConfigTable> tables = config(copy);
  host.script_types[std::string(kNotionRollupWorkflow)] = {table_values(tables[0]), nullptr};
  host.script_types[std::string(kNotionGitHubSyncWorkflow)] = {table_values(tables[1]), nullptr};
  host.script_types[std::string(kNotionRescheduleWorkflow)] = {table_values(tables[2]), nullptr};
  host.script_types[std::string(kNotionCriticalPathWorkflow)] = {table_values(tables[2]), nullptr};
  if (dependencies.enabled()) {
    SUNDIAL_ASSIGN_OR_RETURN(std::vector<SubscriptionSpec> subscriptions,
                             dependencies_subscriptions(dependencies));
    for (auto& spec : subscriptions) host.subscriptions.push_back(std::move(spec));
  }
  auto notion =
      webhooks::notion_route(s, sync, dependencies, host.read_secret(host.webhook_secrets.notion_secret_env),
                             host.read_secret(s.automation_secret_env));
  notion.verification.secret_env = host.webhook_secrets.notion_secret_env;
  if (notion.alternative) notion.alternative->secret_env = s.automation_secret_env;
  host.routes.push_back(std::move(notion));
  if (sync.enabled()) {
    auto github = webhooks::github_route(sync, host.read_secret(host.webhook_secrets.github_secret_env));
    github.verification.secret_env = host.webhook_secrets.github_secret_env;
    host.routes.push_back(std::move(github));
    if (sync.poll_every > 0) {
      nlohmann::json poll = {
          {"every", format_duration(sync.poll_every)},
          {"misfire", "fire_once"},
          {"overlap", "skip"},
          {"action", {{"start", {{"type", kNotionGitHubSyncWorkflow}, {"input", {{"poll", true}}}}}}}};
      auto spec = parse_schedule_spec(poll, std::string(kNotionGitHubSyncPoll));
      if (!spec) {
        return make_error(ErrorCode::kInvalidArgument,
                          "[notion_github_sync] poll_every: " + spec.error().message);
      }
      host.schedules.push_back(std::move(*spec));
    }
  }
  return ok();
}

}  // namespace sundial
