// The one list of workflow families (workflows/modules.h): each family
// starts from its defaults on its own, every workflow type belongs to
// exactly one family, route names and paths are unique, config tables are
// declared once and every key is bound. No engine: a Registry and Resend
// in log mode.
#include "workflows/modules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "connectors/http/async_http_client.h"
#include "engine/loop/loop.h"

namespace sundial {
namespace {

class ModulesTest : public ::testing::Test {
 protected:
  // A host over `registry` whose secrets are "secret-of-<variable>".
  ModuleHost host(Registry& registry) {
    return ModuleHost{registry,
                      resend,
                      "Team <hello@example.com>",
                      secrets,
                      [](const std::string& env) -> std::optional<std::string> { return "secret-of-" + env; },
                      {},
                      {},
                      {},
                      {},
                      {}};
  }

  // The error that stops the start with `settings`.
  Error refused(const BuiltinModules::Settings& settings) {
    Registry registry;
    ModuleHost h = host(registry);
    auto started = BuiltinModules::start(settings, h);
    if (started) {
      ADD_FAILURE() << "started";
      return Error{};
    }
    EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
    return started.error();
  }

  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  Limiters limiters{loop, clock, with_resend_limiter({}, ResendOptions{})};
  ResendClient resend{http, limiters, ResendOptions{}};
  WebhookSecretSettings secrets;
  // The defaults, with the bench types asked for (they are off by default:
  // BenchTypesOnlyWhenAskedFor).
  BuiltinModules::Settings defaults = [] {
    BuiltinModules::Settings s;
    s.bench.workflows = true;
    return s;
  }();
};

std::set<std::string> type_names(const Registry& registry) {
  std::set<std::string> out;
  for (const WorkflowType* t : registry.list()) out.insert(t->name);
  return out;
}

// A family's types: the C++ ones it registers and the shipped Lua ones
// it gives settings to (nurture, reminders).
std::set<std::string> family_types(const Registry& registry, const ModuleHost& h) {
  std::set<std::string> out = type_names(registry);
  for (const auto& [type, settings] : h.script_types) out.insert(type);
  return out;
}

TEST_F(ModulesTest, EveryWorkflowTypeBelongsToExactlyOneFamily) {
  std::map<std::string, std::string> owner;  // type → family
  BuiltinModules::for_each([&]<typename M>() {
    Registry registry;
    ModuleHost h = host(registry);
    auto started = M::start(defaults, h);
    ASSERT_TRUE(started) << M::kName << ": " << started.error().message;
    for (const std::string& type : family_types(registry, h)) {
      auto [it, inserted] = owner.emplace(type, std::string(M::kName));
      EXPECT_TRUE(inserted) << type << " is served by " << it->second << " and " << M::kName;
    }
  });
  Registry all;
  ModuleHost h = host(all);
  ASSERT_TRUE(BuiltinModules::start(defaults, h));
  std::set<std::string> owned;
  for (const auto& [type, family] : owner) owned.insert(type);
  EXPECT_EQ(family_types(all, h), owned);
  EXPECT_EQ(owner["nurture"], "nurture");
  EXPECT_EQ(owner["reminders"], "reminders");
  EXPECT_EQ(owner["bench.sleep_step"], "bench");
  EXPECT_EQ(owner["bench.steps"], "bench");
  // nurture and reminders are Lua scripts now: no C++ type of that name.
  EXPECT_EQ(all.find("nurture"), nullptr);
  EXPECT_EQ(all.find("reminders"), nullptr);
}

// A production server has no bench.* type: the bench family registers
// them, and lets its Lua scripts load, only when asked for
// (--bench-workflows, [bench] workflows = true).
TEST_F(ModulesTest, BenchTypesOnlyWhenAskedFor) {
  BuiltinModules::Settings settings;
  EXPECT_FALSE(settings.bench.workflows);
  Registry off;
  ModuleHost h = host(off);
  ASSERT_TRUE(BuiltinModules::start(settings, h));
  for (const std::string& type : type_names(off)) EXPECT_FALSE(type.starts_with("bench.")) << type;
  EXPECT_EQ(h.script_folders_off, std::vector<std::string>{"bench"});
  settings.bench.workflows = true;
  Registry on;
  ModuleHost asked = host(on);
  ASSERT_TRUE(BuiltinModules::start(settings, asked));
  EXPECT_NE(on.find("bench.sleep_step"), nullptr);
  EXPECT_NE(on.find("bench.steps"), nullptr);
  EXPECT_TRUE(asked.script_folders_off.empty());
}

// What the shipped scripts get from their family: ctx.config from its
// table and ctx:email's templates from its templates_dir.
TEST_F(ModulesTest, TheShippedScriptsGetTheirFamilysTableAndTemplates) {
  BuiltinModules::Settings settings;
  settings.nurture.offsets = {0, kHourMs};
  settings.reminders.before = {kMinuteMs};
  Registry registry;
  ModuleHost h = host(registry);
  ASSERT_TRUE(BuiltinModules::start(settings, h));
  ASSERT_EQ(h.script_types.size(), 6u);
  EXPECT_EQ(h.script_types["nurture"].config, nlohmann::json({{"offsets", {0, kHourMs}}}));
  EXPECT_EQ(h.script_types["reminders"].config, nlohmann::json({{"before", {kMinuteMs}}}));
  for (const char* type : {"nurture", "reminders"}) {
    ASSERT_TRUE(h.script_types[type].email) << type;
    EXPECT_EQ(h.script_types[type].email->from, "Team <hello@example.com>");
  }
  // The Notion fan-out sends no email; its table is its config.
  EXPECT_FALSE(h.script_types["notion_rollup"].email);
  EXPECT_EQ(h.script_types["notion_rollup"].config["mode"], "dry_run");
  EXPECT_EQ(h.script_types["notion_rollup"].config["people_property"], "Assignee");
  EXPECT_EQ(h.script_types["notion_github_sync"].config["review_status"], "Ready for Review");
  EXPECT_EQ(h.script_types["notion_github_sync"].config["done_statuses"],
            nlohmann::json({"Done", "Shipped"}));
  for (const char* type : {"notion_reschedule", "notion_critical_path"}) {
    EXPECT_EQ(h.script_types[type].config["dates_property"], "Dates") << type;
    EXPECT_EQ(h.script_types[type].config["skip_weekends"], true) << type;
    EXPECT_EQ(h.script_types[type].config["critical_path_debounce"], 5 * kSecondMs) << type;
  }
  EXPECT_NE(h.script_types["nurture"].email->templates.find_first({"email-1"}), nullptr);
  EXPECT_NE(h.script_types["reminders"].email->templates.find_first({"reminder"}), nullptr);
}

// [nurture] signup_path and [reminders] calcom_path move the routes (the
// campaign's form posts to /webhook/christmas-signup); a path a route
// cannot have stops the start naming its key.
TEST_F(ModulesTest, RoutePathsComeFromTheConfig) {
  BuiltinModules::Settings settings;
  settings.nurture.signup_path = "/webhook/christmas-signup";
  settings.reminders.calcom_path = "/hooks/cal";
  Registry registry;
  ModuleHost h = host(registry);
  ASSERT_TRUE(BuiltinModules::start(settings, h));
  std::map<std::string, std::string> paths;
  for (const auto& route : h.routes) paths[route.name] = route.path;
  EXPECT_EQ(paths["signup"], "/webhook/christmas-signup");
  EXPECT_EQ(paths["calcom"], "/hooks/cal");
  for (const auto& [bad, why] :
       std::vector<std::pair<std::string, std::string>>{{"webhook/signup", "must begin with '/'"},
                                                        {"/api/v1/signup", "under /api/"},
                                                        {"/a//b", "empty"},
                                                        {"/a b", "may hold only"}}) {
    BuiltinModules::Settings wrong;
    wrong.nurture.signup_path = bad;
    Error e = refused(wrong);
    EXPECT_EQ(e.message.rfind("[nurture] signup_path: path '" + bad + "' ", 0), 0u) << e.message;
    EXPECT_NE(e.message.find(why), std::string::npos) << e.message;
  }
  BuiltinModules::Settings wrong;
  wrong.reminders.calcom_path = "";
  Error e = refused(wrong);
  EXPECT_EQ(e.message.rfind("[reminders] calcom_path: ", 0), 0u) << e.message;
}

TEST_F(ModulesTest, FamilyNamesAreUnique) {
  std::set<std::string_view> names;
  for (std::string_view name : BuiltinModules::names()) EXPECT_TRUE(names.insert(name).second) << name;
  EXPECT_EQ(names, (std::set<std::string_view>{"bench", "notion", "nurture", "reminders"}));
}

TEST_F(ModulesTest, RoutePathsAndNamesAreUniqueAndCarryTheirSecrets) {
  Registry registry;
  ModuleHost h = host(registry);
  ASSERT_TRUE(BuiltinModules::start(defaults, h));
  std::set<std::string> paths, names;
  for (const auto& route : h.routes) {
    EXPECT_TRUE(paths.insert(route.path).second) << route.path;
    EXPECT_TRUE(names.insert(route.name).second) << route.name;
    EXPECT_EQ(route.path, "/webhooks/" + route.name);
    EXPECT_TRUE(route.map) << route.name;
    // A signed route reads its secret through the host; a public one has none.
    if (route.verification.scheme == SignatureScheme::kNone) {
      EXPECT_TRUE(route.public_route) << route.name;
    } else {
      EXPECT_TRUE(route.verification.secret.has_value()) << route.name;
    }
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/webhooks/calcom", "/webhooks/notion", "/webhooks/signup"}));
  for (const auto& route : h.routes) {
    if (route.name == "calcom") {
      EXPECT_EQ(route.verification.secret, "secret-of-CALCOM_WEBHOOK_SECRET");
    }
    if (route.name == "notion") {
      EXPECT_EQ(route.verification.secret, "secret-of-NOTION_WEBHOOK_SECRET");
      ASSERT_TRUE(route.alternative);
      EXPECT_EQ(route.alternative->secret, "secret-of-NOTION_AUTOMATION_SECRET");
      EXPECT_EQ(route.alternative->header, "x-sundial-secret");
    }
  }
}

TEST_F(ModulesTest, ConfigTablesAreDeclaredOnceWithBoundKeys) {
  std::set<std::string> tables;
  std::vector<ConfigTable> declared = BuiltinModules::config_tables(defaults);
  for (auto& t : webhook_secret_tables(secrets)) declared.push_back(std::move(t));
  for (const ConfigTable& table : declared) {
    EXPECT_TRUE(tables.insert(table.name).second) << "[" << table.name << "] is declared twice";
    std::set<std::string> keys;
    for (const ConfigKey& key : table.keys) {
      EXPECT_TRUE(keys.insert(key.name).second) << table.name << "." << key.name;
      bool bound = std::visit([](auto f) { return f.target != nullptr; }, key.field);
      EXPECT_TRUE(bound) << table.name << "." << key.name;
    }
  }
  // [notion] here is the webhook secret's table; the server's schema adds
  // the client's keys to it (server/config). [notion_rollup] is the fan-out's,
  // [notion_github_sync] the sync's.
  EXPECT_EQ(tables, (std::set<std::string>{"bench", "calcom", "github", "notion", "notion_github_sync",
                                           "notion_dependencies", "notion_rollup", "nurture", "reminders"}));
}

TEST_F(ModulesTest, TablesWriteIntoTheFamilysSettings) {
  BuiltinModules::Settings settings;
  for (const ConfigTable& table : BuiltinModules::config_tables(settings)) {
    for (const ConfigKey& key : table.keys) {
      if (auto* list = std::get_if<DurationListField>(&key.field)) *list->target = {7};
      if (auto* text = std::get_if<StringField>(&key.field)) *text->target = table.name + "." + key.name;
    }
  }
  EXPECT_EQ(settings.nurture.offsets, std::vector<DurationMs>{7});
  EXPECT_EQ(settings.reminders.before, std::vector<DurationMs>{7});
  EXPECT_EQ(settings.nurture.templates_dir, "nurture.templates_dir");
  EXPECT_EQ(settings.reminders.templates_dir, "reminders.templates_dir");
  EXPECT_EQ(settings.nurture.signup_path, "nurture.signup_path");
  EXPECT_EQ(settings.reminders.calcom_path, "reminders.calcom_path");
}

TEST_F(ModulesTest, TheNotionFanOutRefusesAnUnknownModeOrHeader) {
  BuiltinModules::Settings settings;
  settings.notion_rollup.mode = "yolo";
  EXPECT_NE(refused(settings).message.find("[notion_rollup] mode"), std::string::npos);
  settings.notion_rollup.mode = "live";
  settings.notion_rollup.automation_header = "X-Secret";
  EXPECT_NE(refused(settings).message.find("[notion_rollup] automation_header"), std::string::npos);
}

// The sync is off until its database and repository are set; then it adds
// /webhooks/github and its poll schedule, and refuses settings it cannot use.
TEST_F(ModulesTest, TheNotionGitHubSyncAddsItsRouteAndPollerOnceConfigured) {
  BuiltinModules::Settings settings;
  {
    Registry registry;
    ModuleHost h = host(registry);
    ASSERT_TRUE(BuiltinModules::start(settings, h));
    for (const auto& route : h.routes) EXPECT_NE(route.path, "/webhooks/github");
    EXPECT_TRUE(h.schedules.empty());
  }
  settings.notion_github_sync.tasks_db_id = "1d2e8dc3-9101-4a29-835f-e03076166f43";
  settings.notion_github_sync.repo = "acme/app";
  settings.notion_github_sync.poll_every = 2 * kMinuteMs;
  {
    Registry registry;
    ModuleHost h = host(registry);
    auto started = BuiltinModules::start(settings, h);
    ASSERT_TRUE(started) << started.error().message;
    EXPECT_TRUE(std::any_of(h.routes.begin(), h.routes.end(),
                            [](const auto& route) { return route.path == "/webhooks/github"; }));
    ASSERT_EQ(h.schedules.size(), 1u);
    EXPECT_EQ(h.schedules[0].id, "notion-github-sync-poll");
    EXPECT_EQ(h.schedules[0].action.target, "notion_github_sync");
  }
  auto refusal = [&](auto change, std::string_view mentions) {
    BuiltinModules::Settings bad = settings;
    change(bad.notion_github_sync);
    EXPECT_NE(refused(bad).message.find(mentions), std::string::npos) << mentions;
  };
  refusal([](auto& g) { g.repo = "no-slash"; }, "[notion_github_sync] repo");
  refusal([](auto& g) { g.merge_method = "octopus"; }, "merge_method");
  refusal([](auto& g) { g.priority_labels = {"High"}; }, "<name>=<value>");
  refusal([](auto& g) { g.poll_every = kSecondMs; }, "poll_every");
  refusal([](auto& g) { g.base_branch = "a..b"; }, "base_branch");
  refusal([](auto& g) { g.github_webhook_path = "/api/v1/x"; }, "github_webhook_path");
}

// [notion_dependencies] with a Tasks database declares the two
// subscriptions that run its workflows, on its topic; without one, none.
TEST_F(ModulesTest, TheNotionDependenciesDeclareTheirSubscriptionsOnceConfigured) {
  BuiltinModules::Settings settings;
  {
    Registry registry;
    ModuleHost h = host(registry);
    ASSERT_TRUE(BuiltinModules::start(settings, h));
    EXPECT_TRUE(h.subscriptions.empty());
  }
  settings.notion_dependencies.tasks_db_id = "1d2e8dc3-9101-4a29-835f-e03076166f43";
  settings.notion_dependencies.topic = "board";
  {
    Registry registry;
    ModuleHost h = host(registry);
    auto started = BuiltinModules::start(settings, h);
    ASSERT_TRUE(started) << started.error().message;
    ASSERT_EQ(h.subscriptions.size(), 2u);
    EXPECT_EQ(h.subscriptions[0].id, "notion-dependencies-reschedule");
    EXPECT_EQ(h.subscriptions[0].topic, "board");
    EXPECT_EQ(h.subscriptions[0].filter_type, "TaskPropertiesUpdated");
    EXPECT_EQ(h.subscriptions[0].action["type"], "notion_reschedule");
    EXPECT_EQ(h.subscriptions[1].id, "notion-dependencies-critical-path");
    EXPECT_EQ(h.subscriptions[1].filter_type, "ProjectScheduleChanged");
    EXPECT_EQ(h.subscriptions[1].action["type"], "notion_critical_path");
    EXPECT_EQ(h.subscriptions[1].action["concurrency"]["key"],
              "notion-dependencies:critical-path:{data.project}");
    EXPECT_EQ(h.subscriptions[1].action["concurrency"]["debounce"], "5s");
  }
  settings.notion_dependencies.critical_path_debounce = 0;
  {
    Registry registry;
    ModuleHost h = host(registry);
    ASSERT_TRUE(BuiltinModules::start(settings, h));
    ASSERT_EQ(h.subscriptions.size(), 2u);
    EXPECT_EQ(h.subscriptions[1].action["concurrency"]["on_busy"], "coalesce");
  }
  auto refusal = [&](auto change, std::string_view mentions) {
    BuiltinModules::Settings bad = settings;
    change(bad.notion_dependencies);
    EXPECT_NE(refused(bad).message.find(mentions), std::string::npos) << mentions;
  };
  refusal([](auto& d) { d.mode = "yolo"; }, "[notion_dependencies] mode");
  refusal([](auto& d) { d.topic = "no spaces"; }, "[notion_dependencies] topic");
  refusal([](auto& d) { d.tasks_db_id = "not an id"; }, "[notion_dependencies] tasks_db_id");
  refusal([](auto& d) { d.dates_property = ""; }, "dates_property");
  refusal([](auto& d) { d.critical_path_debounce = 2 * kHourMs; }, "critical_path_debounce");
}

TEST_F(ModulesTest, AMissingTemplatesDirStopsTheStartNamingItsKey) {
  BuiltinModules::Settings settings;
  settings.reminders.templates_dir = "/nonexistent/sundial-templates";
  Error e = refused(settings);
  EXPECT_EQ(e.message.rfind("[reminders] templates_dir: ", 0), 0u) << e.message;
}

}  // namespace
}  // namespace sundial
