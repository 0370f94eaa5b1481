// The one list of workflow families (workflows/modules.h): each family
// starts from its defaults on its own, every workflow type belongs to
// exactly one family, route names and paths are unique, config tables are
// declared once and every key is bound. No engine: a Registry and Resend
// in log mode.
#include "workflows/modules.h"

#include <gtest/gtest.h>

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
                      {}};
  }

  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  ResendClient resend{loop, clock, http, ResendOptions{}};
  WebhookSecretSettings secrets;
  BuiltinModules::Settings defaults;
};

std::set<std::string> type_names(const Registry& registry) {
  std::set<std::string> out;
  for (const WorkflowType* t : registry.list()) out.insert(t->name);
  return out;
}

TEST_F(ModulesTest, EveryWorkflowTypeBelongsToExactlyOneFamily) {
  std::map<std::string, std::string> owner;  // type → family
  BuiltinModules::for_each([&]<typename M>() {
    Registry registry;
    ModuleHost h = host(registry);
    auto started = M::start(defaults, h);
    ASSERT_TRUE(started) << M::kName << ": " << started.error().message;
    for (const std::string& type : type_names(registry)) {
      auto [it, inserted] = owner.emplace(type, std::string(M::kName));
      EXPECT_TRUE(inserted) << type << " is registered by " << it->second << " and " << M::kName;
    }
  });
  Registry all;
  ModuleHost h = host(all);
  ASSERT_TRUE(BuiltinModules::start(defaults, h));
  std::set<std::string> owned;
  for (const auto& [type, family] : owner) owned.insert(type);
  EXPECT_EQ(type_names(all), owned);
  EXPECT_EQ(owner["nurture"], "nurture");
  EXPECT_EQ(owner["reminders"], "reminders");
  EXPECT_EQ(owner["bench.sleep_step"], "bench");
  EXPECT_EQ(owner["bench.steps"], "bench");
}

TEST_F(ModulesTest, FamilyNamesAreUnique) {
  std::set<std::string_view> names;
  for (std::string_view name : BuiltinModules::names()) EXPECT_TRUE(names.insert(name).second) << name;
  EXPECT_EQ(names, (std::set<std::string_view>{"bench", "nurture", "reminders"}));
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
  EXPECT_EQ(paths, (std::set<std::string>{"/webhooks/calcom", "/webhooks/signup"}));
  for (const auto& route : h.routes) {
    if (route.name == "calcom") {
      EXPECT_EQ(route.verification.secret, "secret-of-CALCOM_WEBHOOK_SECRET");
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
  EXPECT_EQ(tables, (std::set<std::string>{"calcom", "github", "notion", "nurture", "reminders"}));
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
}

TEST_F(ModulesTest, AMissingTemplatesDirStopsTheStartNamingItsKey) {
  BuiltinModules::Settings settings;
  settings.reminders.templates_dir = "/nonexistent/sundial-templates";
  Registry registry;
  ModuleHost h = host(registry);
  auto started = BuiltinModules::start(settings, h);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(started.error().message.rfind("[reminders] templates_dir: ", 0), 0u) << started.error().message;
}

}  // namespace
}  // namespace sundial
