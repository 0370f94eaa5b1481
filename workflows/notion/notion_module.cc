#include "workflows/notion/notion_module.h"

#include <cctype>

#include "workflows/notion/notion_route.h"

namespace sundial {

std::vector<ConfigTable> NotionModule::config(Settings& s) {
  NotionRollupSettings& n = s.notion_rollup;
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
            {"mode", StringField{&n.mode}}}}};
}

Result<void> NotionModule::start(const Settings& settings, ModuleHost& host) {
  const NotionRollupSettings& s = settings.notion_rollup;
  SUNDIAL_TRY(webhooks::check_route_path(s.webhook_path, "[notion_rollup] webhook_path"));
  if (s.mode != "dry_run" && s.mode != "live") {
    return make_error(ErrorCode::kInvalidArgument,
                      "[notion_rollup] mode must be \"dry_run\" or \"live\", not \"" + s.mode + "\"");
  }
 if (s.objective_debounce < 0 || s.objective_debounce > kHourMs) {
    return make_error(ErrorCode::kInvalidArgument, "[notion_rollup] objective_debounce must be from \"0s\" to \"1h\"");
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
  Settings copy = settings;  // config() binds to settings it may write
  host.script_types[std::string(kNotionRollupWorkflow)] = {table_values(config(copy).front()), nullptr};
  host.routes.push_back(webhooks::notion_route(s, host.read_secret(host.webhook_secrets.notion_secret_env),
                                               host.read_secret(s.automation_secret_env)));
  return ok();
}

}  // namespace sundial
