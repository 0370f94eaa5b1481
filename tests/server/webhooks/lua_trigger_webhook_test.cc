// Lua webhook triggers end to end below HTTP: a script's declared routes
// (workflows/lua/trigger_routes.h) served from the WebhookRouteTable by the
// real webhook handler on a real engine (RocksDB in a temp dir, a
// ManualClock). For each signature scheme: a valid delivery runs its
// actions, a bad signature is 401, a stale timestamp is 401, and a replayed
// delivery id is deduped. Then map failures, and replacing routes at run
// time.
#include <gtest/gtest.h>

#include <chrono>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "server/webhooks/webhook_route_table.h"
#include "tests/support/engine_harness.h"
#include "tests/support/fake_response_sink.h"
#include "workflows/lua/script.h"
#include "workflows/lua/trigger_routes.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

// Deliveries name a task; "task.created" starts "task:<id>", "task.done"
// signals it, "task.deleted" cancels it, "ping" is ignored, "twice" starts
// two instances.
const char* const kTasksScript = R"lua(
local function map(body, headers)
  if body.type == "ping" then return nil end
  if body.type == "task.done" then
    return { signal = { id = "task:" .. body.task, name = "done", payload = { by = body.by } } }
  end
  if body.type == "task.deleted" then return { cancel = { id = "task:" .. body.task } } end
  if body.type == "twice" then
    return { { start = { id = "task:" .. body.task .. "a" } }, { start = { id = "task:" .. body.task .. "b" } } }
  end
  if body.type == "boom" then error("cannot map " .. body.task) end
  if body.type == "job" then
    return { enqueue = { queue = "jobs", type = "render", payload = { task = body.task }, priority = 2 } }
  end
  if body.type == "bad-job" then return { enqueue = { queue = "jobs", priority = -1 } } end
  if body.type == "parent-job" then
    return { enqueue = { queue = "parents", payload = { child = body.task }, dedupe_key = "parent:" .. body.parent } }
  end
  return { start = { id = "task:" .. body.task, input = { title = body.title } } }
end

return {
  run = function(ctx, input)
    local sig = ctx:wait({ "done" })
    return { title = input.title, by = sig.payload.by }
  end,
  triggers = {
    { path = "/webhooks/hex", delivery_id = { header = "x-delivery-id" }, map = map,
      signature = { scheme = "hmac-sha256", header = "X-Sig", prefix = "sha256=", secret_env = "HEX_SECRET" } },
    { path = "/webhooks/base64", delivery_id = { field = "/delivery" }, map = map,
      signature = { scheme = "hmac-sha256", header = "x-sig", encoding = "base64", secret_env = "B64_SECRET" } },
    { path = "/webhooks/stripe", map = map,
      signature = { scheme = "stripe", secret_env = "STRIPE_SECRET", tolerance = "5m" } },
    { path = "/webhooks/standard", map = map,
      signature = { scheme = "standard-webhooks", secret_env = "STD_SECRET" } },
    { path = "/webhooks/open", signature = "none", public = false, map = map },
    { path = "/webhooks/unset", map = map,
      signature = { scheme = "stripe", secret_env = "UNSET_SECRET" } },
    { path = "/webhooks/loop", signature = "none", public = false,
      map = function() while true do end end },
  },
}
)lua";

const std::string kStdSecret = "whsec_" + base64_encode("standard-key-bytes");

std::optional<std::string> env(const std::string& name) {
  if (name == "HEX_SECRET") return "hex-secret";
  if (name == "B64_SECRET") return "b64-secret";
  if (name == "STRIPE_SECRET") return "whsec_stripe";
  if (name == "STD_SECRET") return kStdSecret;
  return std::nullopt;
}

enum class Scheme { kHex, kBase64, kStripe, kStandard };

struct Delivery {
  std::string path;
  std::string body;
  http::HeaderList headers;
};

class LuaTriggerWebhookTest : public ::testing::TestWithParam<Scheme> {
 protected:
  void SetUp() override {
    auto loaded = lua::LuaScript::load("tasks", kTasksScript, "tasks.lua");
    ASSERT_TRUE(loaded) << loaded.error().message;
    script = *loaded;
    ASSERT_TRUE(lua::register_lua_script(h.registry, script));
    h.open();
    table = std::make_unique<webhooks::WebhookRouteTable>(h.loop, *h.engine, h.clock, nullptr, JsonLimits{});
    auto routes = lua::lua_trigger_routes(script, env);
    ASSERT_TRUE(routes) << routes.error().message;
    ASSERT_TRUE(table->replace_routes("lua:tasks", std::move(*routes)));
  }
  void TearDown() override {
    table.reset();
    h.close();
  }

  // A delivery of `body` signed for the scheme at `signed_at` (Unix ms),
  // with `delivery` as its delivery id where the scheme takes one apart
  // from the body.
  Delivery signed_delivery(Scheme scheme, json body, const std::string& delivery, TimeMs signed_at) {
    Delivery d;
    std::string seconds = std::to_string(signed_at / 1000);
    switch (scheme) {
      case Scheme::kHex:
        d.path = "/webhooks/hex";
        d.body = body.dump();
        d.headers = {{"x-sig", "sha256=" + hmac_sha256_hex("hex-secret", d.body)},
                     {"x-delivery-id", delivery}};
        break;
      case Scheme::kBase64:
        d.path = "/webhooks/base64";
        body["delivery"] = delivery;
        d.body = body.dump();
        d.headers = {{"x-sig", base64_encode(hmac_sha256("b64-secret", d.body))}};
        break;
      case Scheme::kStripe:
        d.path = "/webhooks/stripe";
        body["id"] = delivery;
        d.body = body.dump();
        d.headers = {{"stripe-signature",
                      "t=" + seconds + ",v1=" + hmac_sha256_hex("whsec_stripe", seconds + "." + d.body)}};
        break;
      case Scheme::kStandard:
        d.path = "/webhooks/standard";
        d.body = body.dump();
        d.headers = {{"webhook-id", delivery},
                     {"webhook-timestamp", seconds},
                     {"webhook-signature",
                      "v1," + base64_encode(hmac_sha256("standard-key-bytes",
                                                        delivery + "." + seconds + "." + d.body))}};
        break;
    }
    return d;
  }

  http::HttpResponse deliver(Delivery d) {
    auto handler = table->find(d.path);
    EXPECT_NE(handler, nullptr) << d.path;
    if (!handler) return {};
    http::HttpRequest r;
    r.method = "POST";
    r.path = d.path;
    r.body = std::move(d.body);
    r.peer_ip = "203.0.113.9";
    r.headers = std::move(d.headers);
    r.headers.emplace_back("content-type", "application/json");
    (*handler)(std::move(r), sink->make_responder());
    uint64_t slot = sink->last_slot();
    h.drain();
    EXPECT_NE(sink->answer(slot), nullptr);
    return sink->answer(slot) ? *sink->answer(slot) : http::HttpResponse{};
  }

  http::HttpResponse deliver_now(Scheme scheme, json body, const std::string& delivery) {
    return deliver(signed_delivery(scheme, std::move(body), delivery, h.clock.now_ms()));
  }

  size_t instances() {
    auto page = h.list(ListQuery{});
    return page ? page->instances.size() : 0;
  }

  size_t signals(const std::string& id) {
    size_t n = 0;
    for (const auto& e : h.history(id)) n += e.kind == EntryKind::kSignalReceived;
    return n;
  }

  EngineHarness h;
  std::shared_ptr<lua::LuaScript> script;
  std::unique_ptr<webhooks::WebhookRouteTable> table;
  std::shared_ptr<FakeResponseSink> sink = std::make_shared<FakeResponseSink>();
};

TEST_P(LuaTriggerWebhookTest, AValidDeliveryRunsItsActions) {
  auto created =
      deliver_now(GetParam(), {{"type", "task.created"}, {"task", "1"}, {"title", "Write"}}, "d-1");
  ASSERT_EQ(created.status, 202) << created.body;
  EXPECT_EQ(json::parse(created.body)["instance_id"], "task:1");
  auto record = h.describe("task:1");
  ASSERT_TRUE(record) << record.error().to_string();
  EXPECT_EQ(record->type, "tasks");
  EXPECT_EQ(record->input, (json{{"title", "Write"}}));
  auto done = deliver_now(GetParam(), {{"type", "task.done"}, {"task", "1"}, {"by", "ada"}}, "d-2");
  ASSERT_EQ(done.status, 202) << done.body;
  EXPECT_EQ(h.status("task:1"), InstanceStatus::kCompleted);
  auto ignored = deliver_now(GetParam(), {{"type", "ping"}}, "d-3");
  EXPECT_EQ(ignored.status, 202);
  EXPECT_EQ(json::parse(ignored.body)["ignored"], "map returned no action");
  EXPECT_EQ(instances(), 1u);
}

TEST_P(LuaTriggerWebhookTest, ABadSignatureIs401AndStoresNothing) {
  Delivery d =
      signed_delivery(GetParam(), {{"type", "task.created"}, {"task", "1"}}, "d-1", h.clock.now_ms());
  Delivery tampered = d;
  tampered.body.insert(tampered.body.size() - 1, R"(,"title":"evil")");
  auto r = deliver(tampered);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("invalid_signature"), std::string::npos);
  Delivery unsigned_delivery = d;
  unsigned_delivery.headers.clear();
  EXPECT_EQ(deliver(unsigned_delivery).status, 401);
  EXPECT_EQ(instances(), 0u);
  EXPECT_EQ(deliver(d).status, 202);  // the untouched delivery still goes through
}

// The schemes that sign a timestamp.
class TimestampedTriggerTest : public LuaTriggerWebhookTest {};

TEST_P(TimestampedTriggerTest, AStaleTimestampIs401) {
  json body = {{"type", "task.created"}, {"task", "1"}};
  auto stale =
      deliver(signed_delivery(GetParam(), body, "d-1", h.clock.now_ms() - 5 * kMinuteMs - kSecondMs));
  EXPECT_EQ(stale.status, 401) << stale.body;
  EXPECT_NE(stale.body.find("tolerance"), std::string::npos) << stale.body;
  auto early = deliver(signed_delivery(GetParam(), body, "d-1", h.clock.now_ms() + 6 * kMinuteMs));
  EXPECT_EQ(early.status, 401) << early.body;
  EXPECT_EQ(instances(), 0u);
  // A capture replayed later is refused once the clock passes the tolerance.
  Delivery captured = signed_delivery(GetParam(), body, "d-1", h.clock.now_ms());
  h.clock.advance(4 * kMinuteMs);
  EXPECT_EQ(deliver(captured).status, 202);
  h.clock.advance(2 * kMinuteMs);
  EXPECT_EQ(deliver(captured).status, 401);
}

TEST_P(LuaTriggerWebhookTest, AReplayedDeliveryIdIsDeduped) {
  auto first = deliver_now(GetParam(), {{"type", "task.created"}, {"task", "1"}}, "d-1");
  ASSERT_EQ(first.status, 202) << first.body;
  // The same delivery again, then the same id with another body: the
  // provider's id decides, not the body.
  auto again = deliver_now(GetParam(), {{"type", "task.created"}, {"task", "1"}}, "d-1");
  EXPECT_EQ(again.status, 200) << again.body;
  auto other_body = deliver_now(GetParam(), {{"type", "task.created"}, {"task", "2"}}, "d-1");
  EXPECT_EQ(json::parse(other_body.body)["instance_id"], "task:1") << other_body.body;
  EXPECT_EQ(instances(), 1u);
  // Signals too: a redelivered "done" is received once.
  ASSERT_EQ(deliver_now(GetParam(), {{"type", "task.done"}, {"task", "1"}, {"by", "x"}}, "d-9").status, 202);
  deliver_now(GetParam(), {{"type", "task.done"}, {"task", "1"}, {"by", "x"}}, "d-9");
  EXPECT_EQ(signals("task:1"), 1u);
}

std::string scheme_name(const ::testing::TestParamInfo<Scheme>& param_info) {
  switch (param_info.param) {
    case Scheme::kHex:
      return "HmacHexWithPrefix";
    case Scheme::kBase64:
      return "HmacBase64";
    case Scheme::kStripe:
      return "Stripe";
    case Scheme::kStandard:
      return "StandardWebhooks";
  }
  return "unknown";
}

INSTANTIATE_TEST_SUITE_P(Schemes, LuaTriggerWebhookTest,
                         ::testing::Values(Scheme::kHex, Scheme::kBase64, Scheme::kStripe, Scheme::kStandard),
                         scheme_name);
INSTANTIATE_TEST_SUITE_P(Schemes, TimestampedTriggerTest,
                         ::testing::Values(Scheme::kStripe, Scheme::kStandard), scheme_name);

// The tests below use the unsigned route.
using LuaTriggerMapTest = LuaTriggerWebhookTest;

Delivery open_delivery(json body) { return {"/webhooks/open", body.dump(), {}}; }

TEST_F(LuaTriggerMapTest, AMapErrorIs400WithTheLuaMessageAndStoresNothing) {
  auto r = deliver(open_delivery({{"type", "boom"}, {"task", "7"}}));
  EXPECT_EQ(r.status, 400);
  auto error = json::parse(r.body)["error"];
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["message"], "map: tasks.lua:11: cannot map 7");
  EXPECT_EQ(instances(), 0u);
}

TEST_F(LuaTriggerMapTest, AnEndlessMapIs400Quickly) {
  auto started = std::chrono::steady_clock::now();
  auto r = deliver({"/webhooks/loop", "{}", {}});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                .count();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("budget_exceeded"), std::string::npos) << r.body;
  EXPECT_LT(ms, 1000);
  EXPECT_EQ(instances(), 0u);
}

TEST_F(LuaTriggerMapTest, AnEnqueueActionAddsATaskOnceAcrossRedeliveries) {
  auto first = deliver(open_delivery({{"type", "job"}, {"task", "5"}}));
  ASSERT_EQ(first.status, 202) << first.body;
  json created = json::parse(first.body);
  EXPECT_EQ(created["created"], true);
  auto again = deliver(open_delivery({{"type", "job"}, {"task", "5"}}));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["task_id"], created["task_id"]);
  std::optional<Result<std::vector<TaskRecord>>> claimed;
  h.engine->tasks().claim(ClaimRequest{"jobs", "w", 10, 0, {}, nullptr},
                          [&](const Result<std::vector<TaskRecord>>& r) { claimed = r; });
  h.drain();
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_EQ((*claimed)->size(), 1u);
  EXPECT_EQ((*claimed)->front().id, created["task_id"]);
  EXPECT_EQ((*claimed)->front().type, "render");
  EXPECT_EQ((*claimed)->front().priority, 2);
  EXPECT_EQ((*claimed)->front().payload.value(), (json{{"task", "5"}}));
  auto bad = deliver(open_delivery({{"type", "bad-job"}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("priority"), std::string::npos) << bad.body;
}

TEST_F(LuaTriggerMapTest, AnEnqueueWithADedupeKeyMakesOneTaskPerKeyAcrossDeliveries) {
  // Different deliveries (bodies) for one parent: one task while it waits.
  auto first = deliver(open_delivery({{"type", "parent-job"}, {"task", "c1"}, {"parent", "p1"}}));
  ASSERT_EQ(first.status, 202) << first.body;
  auto second = deliver(open_delivery({{"type", "parent-job"}, {"task", "c2"}, {"parent", "p1"}}));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(json::parse(second.body)["task_id"], json::parse(first.body)["task_id"]);
  auto other = deliver(open_delivery({{"type", "parent-job"}, {"task", "c3"}, {"parent", "p2"}}));
  ASSERT_EQ(other.status, 202) << other.body;
  EXPECT_NE(json::parse(other.body)["task_id"], json::parse(first.body)["task_id"]);
}

TEST_F(LuaTriggerMapTest, SeveralActionsAndCancel) {
  ASSERT_EQ(deliver(open_delivery({{"type", "twice"}, {"task", "9"}})).status, 202);
  EXPECT_EQ(h.status("task:9a"), InstanceStatus::kWaiting);
  EXPECT_EQ(h.status("task:9b"), InstanceStatus::kWaiting);
  ASSERT_EQ(deliver(open_delivery({{"type", "task.deleted"}, {"task", "9a"}})).status, 202);
  EXPECT_EQ(h.status("task:9a"), InstanceStatus::kCancelled);
}

TEST_F(LuaTriggerMapTest, AnUnsetSecretRefusesEverythingWith503) {
  auto r = deliver({"/webhooks/unset", "{}", {{"stripe-signature", "t=1,v1=00"}}});
  EXPECT_EQ(r.status, 503) << r.body;
}

// Routes change while the server runs: a script's new version replaces its
// triggers at once; another owner cannot take its paths.
TEST_F(LuaTriggerMapTest, ReplacingRoutesAtRunTime) {
  auto old_open = table->find("/webhooks/open");
  ASSERT_NE(old_open, nullptr);
  EXPECT_EQ(table->paths_of("lua:tasks").size(), 7u);

  // Another script may not claim a path of "lua:tasks"; nothing changes.
  auto other = lua::LuaScript::load("other", R"(return { run = function() end, triggers = {
      { path = "/webhooks/new", signature = "none", map = function() return nil end },
      { path = "/webhooks/open", signature = "none", map = function() return nil end } } })",
                                    "other.lua");
  ASSERT_TRUE(other);
  auto other_routes = lua::lua_trigger_routes(*other, env);
  ASSERT_TRUE(other_routes);
  auto refused = table->replace_routes("lua:other", std::move(*other_routes));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(refused.error().message, "webhook path /webhooks/open is already served by lua:tasks");
  EXPECT_EQ(table->find("/webhooks/new"), nullptr);  // all or nothing

  // A new version of "tasks" serves one path, mapped differently.
  auto v2 = lua::LuaScript::load("tasks", R"(return { run = function(ctx, input) ctx:wait({ "done" }) end,
      triggers = { { path = "/webhooks/open", signature = "none", public = false,
                     map = function(body) return { start = { id = "v2:" .. body.task } } end } } })",
                                 "tasks.lua");
  ASSERT_TRUE(v2);
  auto v2_routes = lua::lua_trigger_routes(*v2, env);
  ASSERT_TRUE(v2_routes);
  ASSERT_TRUE(table->replace_routes("lua:tasks", std::move(*v2_routes)));
  EXPECT_EQ(table->paths_of("lua:tasks"), std::vector<std::string>{"/webhooks/open"});
  EXPECT_EQ(table->find("/webhooks/hex"), nullptr);
  auto r = deliver(open_delivery({{"type", "task.created"}, {"task", "3"}}));
  EXPECT_EQ(json::parse(r.body)["instance_id"], "v2:3") << r.body;

  // A handler taken before the replacement still runs the old version.
  http::HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/open";
  request.body = R"({"type":"task.created","task":"4"})";
  request.headers = {{"content-type", "application/json"}};
  (*old_open)(std::move(request), sink->make_responder());
  uint64_t slot = sink->last_slot();
  h.drain();
  ASSERT_NE(sink->answer(slot), nullptr);
  EXPECT_EQ(json::parse(sink->answer(slot)->body)["instance_id"], "task:4");

  // Now "other" can take the paths "tasks" gave up, but not the one it kept.
  auto retry = lua::lua_trigger_routes(*other, env);
  ASSERT_TRUE(retry);
  EXPECT_FALSE(table->replace_routes("lua:other", std::move(*retry)));
  // An empty list removes an owner's routes.
  ASSERT_TRUE(table->replace_routes("lua:tasks", {}));
  EXPECT_EQ(table->size(), 0u);
  auto again = lua::lua_trigger_routes(*other, env);
  ASSERT_TRUE(again);
  ASSERT_TRUE(table->replace_routes("lua:other", std::move(*again)));
  EXPECT_EQ(table->size(), 2u);
}

TEST_F(LuaTriggerMapTest, ReservedAndRepeatedPathsAreRefused) {
  webhooks::WebhookRouteTable guarded(h.loop, *h.engine, h.clock, nullptr, JsonLimits{},
                                      [](std::string_view path) { return path == "/healthz"; });
  webhooks::WebhookRoute route;
  route.name = "x";
  route.path = "/healthz";
  route.map = [](const json&, const http::HttpRequest&) -> Result<webhooks::WebhookActions> {
    return webhooks::WebhookActions{};
  };
  std::vector<webhooks::WebhookRoute> reserved{route};
  auto r = guarded.replace_routes("module:x", std::move(reserved));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "webhook path /healthz is taken by sundiald itself");
  route.path = "/webhooks/x";
  std::vector<webhooks::WebhookRoute> twice{route, route};
  auto t = guarded.replace_routes("module:x", std::move(twice));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "webhook path /webhooks/x is declared twice by module:x");
  EXPECT_EQ(guarded.size(), 0u);
}

}  // namespace
}  // namespace sundial::testing
