// Subscriptions declared by a Lua script (workflows/lua/script_subscriptions.h):
// each entry becomes a subscription whose action defaults to a start of
// the script's own type (with the start's own fields beside the topic),
// and every problem refuses with the script and the subscription named.
// Pure: no engine.
#include "workflows/lua/script_subscriptions.h"

#include <gtest/gtest.h>

#include <string>

namespace sundial::lua {
namespace {

Result<std::vector<SubscriptionSpec>> subscriptions_of(const std::string& table) {
  auto script =
      LuaScript::load("audit", "return { run = function() end, subscriptions = " + table + " }", "audit.lua");
  EXPECT_TRUE(script) << script.error().message;
  if (!script) return std::unexpected(script.error());
  return script_subscriptions(**script);
}

std::string subscription_refusal(const std::string& table) {
  auto r = subscriptions_of(table);
  EXPECT_FALSE(r) << table;
  return r ? std::string() : r.error().message;
}

TEST(ScriptSubscriptionsTest, EntriesStartTheScriptsTypeUnlessTheyNameAnAction) {
  auto specs = subscriptions_of(R"({
    ["paid"] = { topic = "orders", filter = { type = "Paid", data = { ["customer.tier"] = "gold" } },
                 instance_id = "audit-{seq}", concurrency = { key = "customer:{key}" }, from = 0 },
    ["ship"] = { topic = "orders", action = { enqueue = { queue = "shipping", type = "ship" } } },
  })");
  ASSERT_TRUE(specs) << specs.error().message;
  ASSERT_EQ(specs->size(), 2u);
  const SubscriptionSpec& paid = (*specs)[0].id == "paid" ? (*specs)[0] : (*specs)[1];
  const SubscriptionSpec& ship = (*specs)[0].id == "ship" ? (*specs)[0] : (*specs)[1];
  EXPECT_EQ(paid.topic, "orders");
  EXPECT_EQ(paid.filter_type, "Paid");
  EXPECT_EQ(paid.filter_data, (nlohmann::json{{"customer.tier", "gold"}}));
  EXPECT_EQ(paid.kind, SubscriptionActionKind::kStart);
  EXPECT_EQ(paid.action["type"], "audit");
  EXPECT_EQ(paid.action["id"], "audit-{seq}");
  EXPECT_EQ(paid.action["concurrency"]["key"], "customer:{key}");
  EXPECT_EQ(paid.from, 0u);
  EXPECT_EQ(ship.kind, SubscriptionActionKind::kEnqueue);
  EXPECT_EQ(ship.action["queue"], "shipping");
  EXPECT_FALSE(ship.from) << "latest by default";
}

TEST(ScriptSubscriptionsTest, NoneWithoutTheField) {
  auto script = LuaScript::load("plain", "return { run = function() end }", "plain.lua");
  ASSERT_TRUE(script);
  auto specs = script_subscriptions(**script);
  ASSERT_TRUE(specs) << specs.error().message;
  EXPECT_TRUE(specs->empty());
}

TEST(ScriptSubscriptionsTest, ProblemsNameTheScriptAndTheSubscription) {
  EXPECT_NE(subscription_refusal(R"("tasks")").find("audit.lua: subscriptions must be a table"), std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ { topic = "t" } })").find("by id"), std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ x = 3 })").find("audit.lua: subscription 'x': must be a table"),
            std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ x = { id = "y", topic = "t" } })").find("its id is its key"),
            std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ x = { topic = "no spaces" } })").find("subscription 'x': "),
            std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ x = { topic = "t", concurrency = { key = "k" },
                                             action = { signal = { id = "i", name = "n" } } } })")
                .find("concurrency is for the script's own start"),
            std::string::npos);
  EXPECT_NE(subscription_refusal(R"({ ["bad id!"] = { topic = "t" } })").find("subscription 'bad id!'"),
            std::string::npos);
}

}  // namespace
}  // namespace sundial::lua
