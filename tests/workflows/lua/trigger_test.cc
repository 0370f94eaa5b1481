// Webhook triggers declared by Lua scripts (workflows/lua/trigger_*.h): the
// declarations checked when a script loads, the routes built from them, and
// map(body, headers) run as a route's mapping — its actions, its limits and
// its errors. Pure: no engine (the handler tests run routes on one).
#include "workflows/lua/trigger_routes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "workflows/lua/trigger_actions.h"
#include "workflows/lua/trigger_declaration.h"

namespace sundial::lua {
namespace {

using nlohmann::json;

std::optional<std::string> fake_env(const std::string& name) {
  if (name == "UNSET") return std::nullopt;
  return "secret-of-" + name;
}

Result<std::shared_ptr<LuaScript>> load(const std::string& triggers) {
  return LuaScript::load("greet", "return { run = function() end, triggers = {\n" + triggers + "\n} }",
                         "greet.lua");
}

Result<std::vector<webhooks::WebhookRoute>> routes_of(const std::string& triggers) {
  auto script = load(triggers);
  if (!script) return std::unexpected(script.error());
  return lua_trigger_routes(*script, fake_env);
}

std::string load_error(const std::string& triggers) {
  auto r = routes_of(triggers);
  EXPECT_FALSE(r) << "expected a load error";
  return r ? std::string() : r.error().message;
}

// A route whose map is `map_body` (the body of function(body, headers)).
webhooks::WebhookRoute route_with_map(const std::string& map_body) {
  auto r = routes_of(R"({ path = "/webhooks/t", signature = "none",
                          map = function(body, headers)
)" + map_body + "\nend }");
  EXPECT_TRUE(r) << r.error().message;
  return r && !r->empty() ? std::move(r->front()) : webhooks::WebhookRoute{};
}

Result<webhooks::WebhookActions> deliver(const webhooks::WebhookRoute& route, const json& body,
                                         http::HeaderList headers = {}) {
  http::HttpRequest request;
  request.method = "POST";
  request.headers = std::move(headers);
  request.body = body.dump();
  return route.map(body, request);
}

TEST(LuaTriggerRoutes, ADeclarationBecomesARoute) {
  auto routes = routes_of(R"(
    { path = "/webhooks/notion-tasks",
      signature = { scheme = "hmac-sha256", header = "X-Notion-Signature", encoding = "hex",
                    prefix = "sha256=", secret_env = "NOTION_WEBHOOK_SECRET" },
      delivery_id = { header = "X-Delivery-Id" },
      map = function(body) return nil end },
    { path = "/webhooks/stripe", name = "stripe-billing",
      signature = { scheme = "stripe", secret_env = "STRIPE_SECRET", tolerance = "10m" },
      map = function(body) return nil end },
    { path = "/hooks/svix", signature = { scheme = "standard-webhooks", secret_env = "UNSET" },
      public = true, map = function(body) return nil end },
    { path = "/form", signature = "none", map = function(body) return nil end },
  )");
  ASSERT_TRUE(routes) << routes.error().message;
  ASSERT_EQ(routes->size(), 4u);
  const auto& notion = (*routes)[0];
  EXPECT_EQ(notion.path, "/webhooks/notion-tasks");
  EXPECT_EQ(notion.name, "/webhooks/notion-tasks");  // the path unless named
  EXPECT_EQ(notion.verification.scheme, SignatureScheme::kHmac);
  EXPECT_EQ(notion.verification.header, "x-notion-signature");
  EXPECT_EQ(notion.verification.prefix, "sha256=");
  EXPECT_EQ(notion.verification.encoding, SignatureEncoding::kHex);
  EXPECT_EQ(notion.verification.secret, "secret-of-NOTION_WEBHOOK_SECRET");
  EXPECT_FALSE(notion.public_route);
  http::HttpRequest with_id;
  with_id.headers = {{"x-delivery-id", "d-7"}};
  ASSERT_TRUE(notion.delivery_id);
  EXPECT_EQ(notion.delivery_id(with_id, json::object()), "d-7");

  const auto& stripe = (*routes)[1];
  EXPECT_EQ(stripe.name, "stripe-billing");
  EXPECT_EQ(stripe.verification.scheme, SignatureScheme::kStripe);
  EXPECT_EQ(stripe.verification.tolerance, 10 * kMinuteMs);
  ASSERT_TRUE(stripe.delivery_id);  // the event id by default
  EXPECT_EQ(stripe.delivery_id(http::HttpRequest{}, json{{"id", "evt_1"}}), "evt_1");

  const auto& svix = (*routes)[2];
  EXPECT_EQ(svix.verification.scheme, SignatureScheme::kStandardWebhooks);
  EXPECT_EQ(svix.verification.tolerance, kDefaultSignatureTolerance);
  EXPECT_EQ(svix.verification.secret, std::nullopt);  // unset: the handler answers 503
  EXPECT_TRUE(svix.public_route);
  http::HttpRequest svix_request;
  svix_request.headers = {{"webhook-id", "msg_1"}};
  EXPECT_EQ(svix.delivery_id(svix_request, json::object()), "msg_1");

  EXPECT_EQ((*routes)[3].verification.scheme, SignatureScheme::kNone);
  EXPECT_TRUE((*routes)[3].public_route);  // unsigned routes are rate limited per client
  EXPECT_FALSE((*routes)[3].delivery_id);  // deduped by the body's hash
}

TEST(LuaTriggerRoutes, AScriptWithoutTriggersHasNoRoutes) {
  auto script = LuaScript::load("plain", "return { run = function() end }", "plain.lua");
  ASSERT_TRUE(script);
  auto routes = lua_trigger_routes(*script, fake_env);
  ASSERT_TRUE(routes);
  EXPECT_TRUE(routes->empty());
}

TEST(LuaTriggerRoutes, BadDeclarationsAreLoadErrorsNamingTheTrigger) {
  const std::string map = "map = function() end";
  EXPECT_EQ(load_error(R"({ path = "webhooks/x", signature = "none", )" + map + " }"),
            "greet.lua: trigger 1: path 'webhooks/x' must begin with '/' and name something");
  EXPECT_EQ(load_error(R"({ path = "/ok", signature = "none", )" + map + R"( },
                          { path = "/api/v1/instances", signature = "none", )" +
                       map + " }"),
            "greet.lua: trigger 2: path '/api/v1/instances' must not be under /api/");
  EXPECT_EQ(load_error(R"({ path = "/a/../b", signature = "none", )" + map + " }"),
            "greet.lua: trigger 1: path '/a/../b' has an empty, '.' or '..' segment");
  EXPECT_NE(load_error(R"({ path = "/a b", signature = "none", )" + map + " }").find("may hold only"),
            std::string::npos);
  EXPECT_EQ(load_error(R"({ path = "/x", signature = { scheme = "hmac", secret_env = "S" }, )" + map + " }"),
            "greet.lua: trigger 1: signature: unknown scheme 'hmac' (expected hmac-sha256, stripe, "
            "standard-webhooks or none)");
  EXPECT_EQ(load_error(R"({ path = "/x", signature = { scheme = "stripe" }, )" + map + " }"),
            "greet.lua: trigger 1: signature: 'secret_env' is required (the variable holding the secret)");
  EXPECT_EQ(
      load_error(R"({ path = "/x", signature = { scheme = "hmac-sha256", secret_env = "S" }, )" + map + " }"),
      "greet.lua: trigger 1: signature: 'header' is required for hmac-sha256");
  EXPECT_NE(load_error(R"({ path = "/x", )" + map + " }").find("'signature' is required"), std::string::npos);
  EXPECT_EQ(
      load_error(R"({ path = "/x", signature = "none", mpa = 1, )" + map + " }"),
      "greet.lua: trigger 1: unknown field 'mpa' (expected path, name, public, signature, delivery_id)");
  EXPECT_EQ(load_error(R"({ path = "/x", signature = "none" })"),
            "greet.lua: trigger 1: map = function(body, headers) ... end is required");
  EXPECT_EQ(load_error(R"({ path = "/x", signature = "none", map = "f" })"),
            "greet.lua: trigger 1: map must be a function");
  EXPECT_EQ(load_error(R"({ path = "/x", signature = "none", )" + map + R"( },
                          { path = "/x", signature = "none", )" +
                       map + " }"),
            "greet.lua: trigger 2: path '/x' is declared twice");
  EXPECT_EQ(
      load_error(R"({ path = "/x", signature = "none", delivery_id = { header = "a", field = "/b" }, )" +
                 map + " }"),
      "greet.lua: trigger 1: delivery_id: give either 'header' or 'field'");
  EXPECT_NE(load_error(R"({ path = "/x", signature = "none", delivery_id = { field = "id" }, )" + map + " }")
                .find("JSON pointer"),
            std::string::npos);
  EXPECT_NE(
      load_error(R"({ path = "/x", signature = { scheme = "stripe", secret_env = "S", tolerance = "2d" }, )" +
                 map + " }")
          .find("between 1s and 1d"),
      std::string::npos);
  EXPECT_NE(
      load_error(R"({ path = "/x", signature = { scheme = "stripe", secret_env = "S", header = "h" }, )" +
                 map + " }")
          .find("apply to hmac-sha256 only"),
      std::string::npos);
  EXPECT_EQ(load_error(R"("not a table")"), "greet.lua: trigger 1: must be a table");
  auto not_a_list = LuaScript::load("greet", "return { run = function() end, triggers = 3 }", "greet.lua");
  ASSERT_TRUE(not_a_list);
  auto r = lua_trigger_routes(*not_a_list, fake_env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "greet.lua: triggers must be a list of tables");
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(LuaTriggerMap, OneActionWithTheScriptsOwnTypeByDefault) {
  auto route = route_with_map(R"(
    return { start = { id = "page:" .. body.id, input = { name = body.name, sig = headers["x-sig"] } } })");
  auto actions = deliver(route, {{"id", "p1"}, {"name", "Ada"}}, {{"x-sig", "abc"}});
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->size(), 1u);
  auto* start = std::get_if<webhooks::StartAction>(&actions->front());
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->workflow_type, "greet");
  EXPECT_EQ(start->instance_id, "page:p1");
  EXPECT_EQ(start->input, (json{{"name", "Ada"}, {"sig", "abc"}}));
  EXPECT_EQ(start->id_reuse, IdReuse::kReject);
}

TEST(LuaTriggerMap, AStartMayRunItsIdAgain) {
  auto route = route_with_map(
      R"(return { start = { id = "recompute:" .. body.id, id_reuse = "allow_if_finished" } })");
  auto actions = deliver(route, {{"id", "42"}});
  ASSERT_TRUE(actions) << actions.error().message;
  auto* start = std::get_if<webhooks::StartAction>(&actions->front());
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->id_reuse, IdReuse::kAllowIfFinished);
  auto bad =
      deliver(route_with_map(R"(return { start = { id = "x", id_reuse = "sometimes" } })"), json::object());
  ASSERT_FALSE(bad);
  EXPECT_EQ(
      bad.error().message,
      "map returned start: 'id_reuse' must be \"reject\", \"allow_if_finished\" or \"allow_if_failed\"");
  auto no_id =
      deliver(route_with_map(R"(return { start = { id_reuse = "allow_if_failed" } })"), json::object());
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().message, "map returned start: 'id_reuse' needs an 'id': a generated id never runs again");
}

TEST(LuaTriggerMap, AListOfActionsRunsInOrder) {
  auto route = route_with_map(R"(
    return {
      { start = { type = "other", input = body } },
      { signal = { id = body.target, name = "paid", payload = { amount = body.amount }, optional = true } },
      { cancel = { id = body.target } },
      { cancel = { id = "x", reason = "replaced" } },
      { ignore = "nothing else" },
    })");
  auto actions = deliver(route, {{"target", "order-9"}, {"amount", 12}});
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->size(), 5u);
  auto& start = std::get<webhooks::StartAction>((*actions)[0]);
  EXPECT_EQ(start.workflow_type, "other");
  EXPECT_EQ(start.instance_id, std::nullopt);
  auto& signal = std::get<webhooks::SignalAction>((*actions)[1]);
  EXPECT_EQ(signal.instance_id, "order-9");
  EXPECT_EQ(signal.signal, "paid");
  EXPECT_EQ(signal.payload, (json{{"amount", 12}}));
  EXPECT_TRUE(signal.optional);
  EXPECT_EQ(std::get<webhooks::CancelAction>((*actions)[2]).reason, "cancelled by a webhook");
  EXPECT_EQ(std::get<webhooks::CancelAction>((*actions)[3]).reason, "replaced");
  EXPECT_EQ(std::get<webhooks::IgnoreAction>((*actions)[4]).reason, "nothing else");
}

TEST(LuaTriggerMap, APublishIsAnEventForTheBus) {
  auto actions = deliver(
      route_with_map("return { publish = { topic = 'tasks', type = 'TaskPropertiesUpdated', key = body.id, "
                     "data = { page = body.id } } }"),
      {{"id", "p1"}});
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->size(), 1u);
  const auto& publish = std::get<webhooks::PublishAction>(actions->front());
  EXPECT_EQ(publish.event.topic, "tasks");
  EXPECT_EQ(publish.event.type, "TaskPropertiesUpdated");
  EXPECT_EQ(publish.event.key, "p1");
  EXPECT_EQ(publish.event.data["page"], "p1");
  EXPECT_TRUE(publish.event.id.empty()) << "the delivery gives it its id when it runs";
}

TEST(LuaTriggerMap, NilOrAnEmptyTableIsAcknowledgedWithoutActions) {
  for (const char* map : {"return nil", "", "return {}"}) {
    auto actions = deliver(route_with_map(map), json::object());
    ASSERT_TRUE(actions) << map << ": " << actions.error().message;
    ASSERT_EQ(actions->size(), 1u) << map;
    EXPECT_TRUE(std::holds_alternative<webhooks::IgnoreAction>(actions->front())) << map;
  }
}

TEST(LuaTriggerMap, ErrorsAreInvalidArgumentWithTheLuaMessage) {
  auto thrown = deliver(route_with_map(R"(error("no such task: " .. body.id))"), {{"id", "t1"}});
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(thrown.error().message, "map: greet.lua:4: no such task: t1");
  auto indexed = deliver(route_with_map("return { start = { id = body.page.id } }"), json::object());
  ASSERT_FALSE(indexed);
  EXPECT_NE(indexed.error().message.find("greet.lua:4: attempt to index a nil value"), std::string::npos)
      << indexed.error().message;
}

TEST(LuaTriggerMap, MalformedReturnsSayWhatIsWrong) {
  auto message = [](const std::string& map) {
    auto r = deliver(route_with_map(map), json::object());
    EXPECT_FALSE(r) << map;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(message("return { publish = { topic = 'q' } }"),
            "map returned publish: type is required: a non-empty string");
  EXPECT_EQ(message("return { publish = { type = 'x' } }"), "map returned publish: 'topic' is required");
  EXPECT_EQ(message("return { publsh = { topic = 'q' } }"),
            "map returned unknown action 'publsh' (expected start, signal, cancel, enqueue, publish or ignore)");
  EXPECT_EQ(message("return { enqueue = { queue = 'q', priority = -1 } }"),
            "map returned enqueue: priority must be an integer from 0 to 1000000");
  EXPECT_EQ(message("return { enqueue = { type = 'x' } }"), "map returned enqueue: 'queue' is required");
  EXPECT_EQ(message("return { start = { type = 't' }, signal = { id = 'x', name = 'n' } }"),
            "map returned an action is a table with one key: start, signal, cancel, enqueue, publish or ignore");
  EXPECT_EQ(message("return { { start = {} }, { signal = { id = 'x' } } }"),
            "map returned action 2: signal: 'name' is required");
  EXPECT_EQ(message("return { start = { inptu = {} } }"),
            "map returned start: unknown field 'inptu' (expected type, id, input, concurrency, id_reuse)");
  EXPECT_EQ(message("return { cancel = { id = 7 } }"),
            "map returned cancel: 'id' must be a non-empty string");
  EXPECT_EQ(message("return 'start'"),
            "map returned an action is a table with one key: start, signal, cancel, enqueue, publish or ignore");
  EXPECT_NE(message("return { start = { input = { f = function() end } } }").find("not JSON"),
            std::string::npos);
  EXPECT_NE(
      message("local t = {} for i = 1, 101 do t[i] = { ignore = 'x' } end return t").find("at most 100"),
      std::string::npos);
  EXPECT_EQ(message("coroutine.yield()"), "map: map must not yield");
}

TEST(LuaTriggerMap, AnEndlessLoopEndsQuicklyInBudgetExceeded) {
  auto route = route_with_map("while true do end");
  auto started = std::chrono::steady_clock::now();
  auto r = deliver(route, json::object());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("map: budget_exceeded"), std::string::npos) << r.error().message;
  EXPECT_LT(ms.count(), 250);  // 100,000 instructions, well under a millisecond on any machine we run
  // pcall cannot swallow it.
  auto swallowed =
      deliver(route_with_map("while true do pcall(function() while true do end end) end"), json::object());
  ASSERT_FALSE(swallowed);
  EXPECT_NE(swallowed.error().message.find("budget_exceeded"), std::string::npos);
  // The budget is the trigger's, not the workflow's.
  auto script = load(R"({ path = "/t", signature = "none", map = function()
                            local n = 0 for i = 1, 60000 do n = n + i end return nil end })");
  ASSERT_TRUE(script);
  http::HttpRequest request;
  EXPECT_FALSE(run_trigger_map(**script, 1, json::object(), request, TriggerOptions{50'000}));
  EXPECT_TRUE(run_trigger_map(**script, 1, json::object(), request, TriggerOptions{2'000'000}));
}

TEST(LuaTriggerMap, MemoryIsCapped) {
  auto r = deliver(route_with_map("local s = string.rep('x', 1 << 20) local t = {} "
                                  "for i = 1, 100 do t[i] = s .. i end"),
                   json::object());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("memory_exceeded"), std::string::npos) << r.error().message;
}

TEST(LuaTriggerMap, EachCallHasAFreshEnvironment) {
  auto route = route_with_map(R"(
    seen = (seen or 0) + 1
    counter = counter or { n = 0 }
    counter.n = counter.n + 1
    return { ignore = tostring(seen) .. "/" .. tostring(counter.n) })");
  for (int i = 0; i < 3; ++i) {
    auto r = deliver(route, json::object());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(std::get<webhooks::IgnoreAction>(r->front()).reason, "1/1");
  }
}

TEST(LuaTriggerMap, RepeatedHeadersAreFoldedAndNamesAreLowerCase) {
  auto route = route_with_map("return { ignore = headers['x-tag'] .. '|' .. tostring(headers['X-Tag']) }");
  auto r = deliver(route, json::object(), {{"x-tag", "a"}, {"x-tag", "b"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::get<webhooks::IgnoreAction>(r->front()).reason, "a, b|nil");
}

TEST(LuaTriggerActions, ParsedFromJson) {
  EXPECT_TRUE(parse_trigger_actions(json::array(), "t"));
  EXPECT_FALSE(parse_trigger_actions(json{{"start", {{"type", ""}}}}, "t"));
  EXPECT_FALSE(
      parse_trigger_actions(json{{"signal", {{"id", "a"}, {"name", "n"}, {"optional", "yes"}}}}, "t"));
  auto start = parse_trigger_actions(json{{"start", {{"input", nullptr}}}}, "t");
  ASSERT_TRUE(start);
  EXPECT_EQ(std::get<webhooks::StartAction>(start->front()).input, json::object());
}

TEST(LuaTriggerDeclaration, PathRules) {
  EXPECT_EQ(trigger_path_problem("/webhooks/notion-tasks_v2.1~x"), "");
  EXPECT_NE(trigger_path_problem("/"), "");
  EXPECT_NE(trigger_path_problem("/a//b"), "");
  EXPECT_NE(trigger_path_problem("/a/"), "");
  EXPECT_NE(trigger_path_problem("/a/{id}"), "");
  EXPECT_NE(trigger_path_problem("/api"), "");
  EXPECT_NE(trigger_path_problem("/" + std::string(200, 'a')), "");
  EXPECT_EQ(trigger_path_problem("/apis"), "");
}

}  // namespace
}  // namespace sundial::lua
