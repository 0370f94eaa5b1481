// Lua effects on a real engine (RocksDB in a temp dir, a ManualClock) and
// a scripted HTTP server on loopback: ctx:http (result, Idempotency-Key,
// retries honouring Retry-After, permanent 4xx, the outbound policy),
// ctx:secret (resolved only when the step runs, never journaled),
// ctx:email (log mode, and its `limit`), template.render and ctx.config.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "connectors/http/async_http_client.h"
#include "engine/topics/topic_service.h"
#include "connectors/resend/resend_client.h"
#include "tests/support/engine_harness.h"
#include "tests/support/scripted_http_server.h"
#include "workflows/email/email_step.h"
#include "workflows/lua/script.h"
#include "workflows/lua/trigger_routes.h"
#include "workflows/lua/workflow.h"

namespace sundial::lua {
namespace {

constexpr const char* kSecretValue = "s3cr3t-Value-9f2c";

class LuaEffectsTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("LUA_EFFECTS_TEST_TOKEN", kSecretValue, 1); }
  void TearDown() override { h.close(); }

  LuaOptions options() {
    LuaOptions o;
    o.limits.instructions_per_activation = 200'000;
    o.effects.http = &http;
    // The test server is on loopback: allowed explicitly, as it must be.
    o.effects.http_policy = std::make_shared<OutboundPolicy>(OutboundPolicy::parse({"127.0.0.1"}).value());
    o.effects.secrets.allowed = {"LUA_EFFECTS_TEST_TOKEN", "SUNDIAL_ADMIN_TOKEN", "SUNDIAL_WORKER_TOKEN"};
    o.effects.email = email;
    o.config = config;
    return o;
  }

  void add(const std::string& type, const std::string& source, std::optional<LuaOptions> o = std::nullopt) {
    auto script = LuaScript::load(type, source, type + ".lua", o ? *o : options());
    ASSERT_TRUE(script) << script.error().message;
    ASSERT_TRUE(register_lua_script(h.registry, *script));
  }

  // Runs the loop (HTTP answers included) until `done()`.
  template <typename Pred>
  void run_until(Pred done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
      if (http.in_flight() > 0) h.loop.run_once();
      h.drain();
    }
  }
  void run_until(const std::string& id, InstanceStatus status) {
    run_until([&] { return h.status(id) == status; });
    EXPECT_EQ(h.status(id), status) << last_error(id);
  }

  std::string last_error(const std::string& id) {
    auto r = h.describe(id);
    return r ? r->last_error : r.error().to_string();
  }

  std::string journal_text(const std::string& id) {
    std::string all;
    for (const auto& e : h.history(id)) all += e.name + " " + e.data.dump() + " " + e.error + "\n";
    return all;
  }

  // Every byte of the data directory (RocksDB's log and tables).
  std::string data_dir_bytes() {
    std::string all;
    for (const auto& f : std::filesystem::recursive_directory_iterator(h.dir.path())) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }

  std::string url(const std::string& path) { return server.base_url() + path; }

  testing::ScriptedHttpServer server;
  testing::EngineHarness h;
  AsyncHttpClient http{h.loop, h.clock};
  Limiters email_limiters{h.loop, h.clock, with_resend_limiter({}, ResendOptions{})};
  std::shared_ptr<const EmailDeps> email;
  nlohmann::json config = nlohmann::json::object();
  // The instance's stored result (the value `run` returned).
  nlohmann::json result(const std::string& id) {
    auto r = h.describe(id);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->result : nlohmann::json();
  }
};

TEST_F(LuaEffectsTest, HttpReturnsStatusHeadersBodyAndJsonAndSendsTheIdempotencyKey) {
  server.script([](const http::HttpRequest&) {
    return http::HttpResponse::json(201, {{"id", 42}}).with_header("X-Trace", "t1");
  });
  add("w", "URL = '" + url("/things") + "'\n" + R"lua(return { run = function(ctx)
    local r = ctx:http("create", { method = "PUT", url = URL, headers = { ["X-Mine"] = "yes" },
                                   json = { name = "ada", n = 1 } })
    ctx:sleep("1s")
    return { status = r.status, id = r.json.id, trace = r.headers["x-trace"], body = r.body }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kWaiting);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].path, "/things");
  ASSERT_NE(seen[0].header("idempotency-key"), nullptr);
  EXPECT_EQ(*seen[0].header("idempotency-key"), "w1/create");
  ASSERT_NE(seen[0].header("x-mine"), nullptr);
  EXPECT_EQ(*seen[0].header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), (nlohmann::json{{"name", "ada"}, {"n", 1}}));
  // A replay after a restart takes the journaled result: no second call.
  h.reopen();
  h.advance(1000);
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(result("w1"),
            (nlohmann::json{{"status", 201}, {"id", 42}, {"trace", "t1"}, {"body", "{\"id\":42}\n"}}));
}

TEST_F(LuaEffectsTest, A503WithRetryAfterIsRetriedNoSoonerThanAsked) {
  int calls = 0;
  server.script([&](const http::HttpRequest&) {
    if (++calls == 1) return http::HttpResponse::text(503, "busy").with_header("Retry-After", "30");
    return http::HttpResponse::text(200, "done");
  });
  add("w", "URL = '" + url("/x") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { url = URL, backoff = "1s" }).body
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until([&] { return journal_text("w1").find("answered 503") != std::string::npos; });
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_NE(journal_text("w1").find("answered 503"), std::string::npos) << journal_text("w1");
  h.advance(29'000);
  EXPECT_EQ(server.requests().size(), 1u) << "retried before Retry-After";
  h.advance(1'000);
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(result("w1"), "done");
  EXPECT_EQ(*server.requests()[1].header("idempotency-key"), "w1/call") << "the same key on every attempt";
}

// ctx:http's `limit` sends through a shared limiter ([limits.<name>]); a
// limit no one declared fails the instance naming the declared ones.
TEST_F(LuaEffectsTest, ALimitSendsThroughTheNamedLimiterAndAnUndeclaredOneIsRefused) {
  server.script([](const http::HttpRequest&) { return http::HttpResponse::text(200, "ok"); });
  // A token a millisecond: waits are short real timers, no clock steps.
  Limiters limiters(h.loop, h.clock, {{"api", LimiterSpec{1000.0, 1.0}}});
  LuaOptions o = options();
  o.effects.limiters = &limiters;
  add("w", "URL = '" + url("/x") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { url = URL, limit = "api:" .. ctx.input.tenant }).body
  end })lua",
      o);
  add("bad", R"lua(return { run = function(ctx)
    return ctx:http("call", { url = "http://127.0.0.1/", limit = "github" })
  end })lua",
      o);
  h.open();
  for (const char* id : {"a1", "a2", "a3"}) ASSERT_TRUE(h.start("w", id, {{"tenant", "t1"}}));
  ASSERT_TRUE(h.start("w", "b1", {{"tenant", "t2"}}));
  ASSERT_TRUE(h.start("bad", "bad1"));
  // One call of tenant t1 and the one of t2 go at once; t1's others wait
  // for a token each (the limiter's clock is the test's ManualClock).
  run_until([&] { return server.requests().size() >= 2 && http.in_flight() == 0; });
  EXPECT_EQ(server.requests().size(), 2u) << "t1's bucket holds one token";
  for (int i = 0; i < 50 && server.requests().size() < 4; ++i) {
    h.clock.advance(1);
    // A call waits: the limiter's timer (1 ms) is armed, so this returns.
    if (limiters.views()[0].waiting > 0) h.loop.run_once();
    run_until([&] { return http.in_flight() == 0; });
  }
  for (const char* id : {"a1", "a2", "a3", "b1"}) run_until(id, InstanceStatus::kCompleted);
  EXPECT_EQ(server.requests().size(), 4u);
  auto views = limiters.views();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].sub_keys, 2u) << "a bucket per tenant";
  run_until("bad1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("bad1").find("no limiter 'github' is declared; declared: api"), std::string::npos)
      << last_error("bad1");
}

TEST_F(LuaEffectsTest, A4xxFailsTheStepAtOnceWithTheAnswer) {
  server.script([](const http::HttpRequest&) {
    return http::HttpResponse::json(422, {{"message", "name is required"}});
  });
  add("w", "URL = '" + url("/x") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { method = "POST", url = URL, body = "x", attempts = 5 })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kFailed);
  EXPECT_EQ(server.requests().size(), 1u);
  std::string error = last_error("w1");
  EXPECT_NE(error.find("answered 422"), std::string::npos) << error;
  EXPECT_NE(error.find("name is required"), std::string::npos) << error;
}

TEST_F(LuaEffectsTest, LoopbackIsRefusedByDefault) {
  LuaOptions o = options();
  o.effects.http_policy = std::make_shared<OutboundPolicy>();  // the default: public hosts only
  add("w", "URL = '" + url("/admin") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { url = URL })
  end })lua",
      o);
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kFailed);
  EXPECT_TRUE(server.requests().empty());
  EXPECT_NE(last_error("w1").find("http_allow"), std::string::npos) << last_error("w1");
}

TEST_F(LuaEffectsTest, BadArgumentsFailTheInstanceWithTheFieldNamed) {
  add("w", R"lua(return { run = function(ctx)
    return ctx:http("call", { url = "http://127.0.0.1/", header = { x = "y" } })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("unknown field 'header'"), std::string::npos) << last_error("w1");
}

TEST_F(LuaEffectsTest, SecretsAreResolvedWhenTheStepRunsAndNeverJournaled) {
  // The server echoes what it got: the value comes back in the answer.
  server.script([](const http::HttpRequest& r) {
    const std::string* auth = r.header("authorization");
    return http::HttpResponse::json(200, {{"auth", auth ? *auth : ""}, {"body", r.body}});
  });
  add("w", "URL = '" + url("/echo") + "'\n" + R"lua(return { run = function(ctx)
    local token = ctx:secret("LUA_EFFECTS_TEST_TOKEN")
    local r = ctx:http("echo", { url = URL, headers = { Authorization = "Bearer " .. token },
                                 json = { token = token, list = { token } } })
    return { shown = tostring(token), encoded = json.encode({ t = token }), echoed = r.json, body = r.body }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kCompleted);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(*seen[0].header("authorization"), std::string("Bearer ") + kSecretValue);
  EXPECT_EQ(nlohmann::json::parse(seen[0].body)["list"][0], kSecretValue);
  const nlohmann::json& r = result("w1");
  EXPECT_EQ(r["shown"], "[secret:LUA_EFFECTS_TEST_TOKEN]");
  EXPECT_EQ(r["encoded"], R"({"t":"[secret:LUA_EFFECTS_TEST_TOKEN]"})");
  EXPECT_EQ(r["echoed"]["auth"], "Bearer [secret:LUA_EFFECTS_TEST_TOKEN]");
  EXPECT_EQ(r.dump().find(kSecretValue), std::string::npos) << r.dump();
  EXPECT_EQ(journal_text("w1").find(kSecretValue), std::string::npos) << journal_text("w1");
  h.close();
  EXPECT_EQ(data_dir_bytes().find(kSecretValue), std::string::npos)
      << "the secret reached the data directory";
}

TEST_F(LuaEffectsTest, ASecretInAFailureIsRedacted) {
  server.script(
      [](const http::HttpRequest& r) { return http::HttpResponse::text(400, "bad token " + r.body); });
  add("w", "URL = '" + url("/x") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { url = URL, body = ctx:secret("LUA_EFFECTS_TEST_TOKEN") })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("bad token [secret:LUA_EFFECTS_TEST_TOKEN]"), std::string::npos)
      << last_error("w1");
  EXPECT_EQ(journal_text("w1").find(kSecretValue), std::string::npos);
}

TEST_F(LuaEffectsTest, OnlyListedSecretsAndNeverTheAdminTokenMayBeNamed) {
  add("a", R"lua(return { run = function(ctx) return tostring(ctx:secret("HOME")) end })lua");
  add("b", R"lua(return { run = function(ctx) return tostring(ctx:secret("SUNDIAL_ADMIN_TOKEN")) end })lua");
  add("c", R"lua(return { run = function(ctx) return tostring(ctx:secret("SUNDIAL_WORKER_TOKEN")) end })lua");
  h.open();
  ASSERT_TRUE(h.start("a", "a1"));
  ASSERT_TRUE(h.start("b", "b1"));
  ASSERT_TRUE(h.start("c", "c1"));
  EXPECT_EQ(h.status("c1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("c1").find("never readable"), std::string::npos) << last_error("c1");
  EXPECT_EQ(h.status("a1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("a1").find("HOME is not in [workflows] secrets"), std::string::npos)
      << last_error("a1");
  EXPECT_EQ(h.status("b1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("b1").find("never readable"), std::string::npos) << last_error("b1");
}

TEST_F(LuaEffectsTest, AListedSecretThatIsNotSetFailsTheStepAtOnce) {
  LuaOptions o = options();
  o.effects.secrets.allowed.push_back("LUA_EFFECTS_TEST_UNSET");
  unsetenv("LUA_EFFECTS_TEST_UNSET");
  add("w", "URL = '" + url("/x") + "'\n" + R"lua(return { run = function(ctx)
    return ctx:http("call", { url = URL, headers = { ["X-Key"] = ctx:secret("LUA_EFFECTS_TEST_UNSET") },
                              attempts = 5 })
  end })lua",
      o);
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kFailed);
  EXPECT_TRUE(server.requests().empty());
  EXPECT_NE(last_error("w1").find("LUA_EFFECTS_TEST_UNSET is not set"), std::string::npos)
      << last_error("w1");
}

TEST_F(LuaEffectsTest, EmailInLogModeIsAStepResult) {
  ResendClient resend(http, email_limiters, ResendOptions{});  // no API key: log mode
  TemplateSet templates;
  auto parsed = parse_email_template("welcome", "--- subject\nHi {{name}}\n--- html\n<p>{{name}}</p>\n");
  ASSERT_TRUE(parsed);
  templates.add(*parsed);
  EmailDeps deps{resend, templates, "team@example.com"};
  email = std::shared_ptr<const EmailDeps>(&deps, [](const EmailDeps*) {});
  add("w", R"lua(return { run = function(ctx)
    local sent = ctx:email("welcome", { to = "Ada@Example.com", template = { "welcome.v2", "welcome" },
                                        vars = { name = "Ada" } })
    return sent
  end })lua");
  add("secret", R"lua(return { run = function(ctx)
    return ctx:email("welcome", { to = "ada@example.com", template = "welcome",
                                  vars = { name = ctx:secret("LUA_EFFECTS_TEST_TOKEN") } })
  end })lua");
  add("missing", R"lua(return { run = function(ctx)
    return ctx:email("welcome", { to = "ada@example.com", template = "nope", vars = {} })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(result("w1"),
            (nlohmann::json{{"log_mode", true}, {"to", "ada@example.com"}, {"subject", "Hi Ada"}}));
  // Log mode logs the subject: a secret in it is shown as its reference.
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(sink);
  ASSERT_TRUE(h.start("secret", "s1"));
  run_until("s1", InstanceStatus::kCompleted);
  spdlog::default_logger()->sinks().pop_back();
  EXPECT_NE(logged.str().find("Hi [secret:LUA_EFFECTS_TEST_TOKEN]"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find(kSecretValue), std::string::npos) << logged.str();
  EXPECT_EQ(journal_text("s1").find(kSecretValue), std::string::npos);
  ASSERT_TRUE(h.start("missing", "m1"));
  run_until("m1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("m1").find("no template 'nope'"), std::string::npos) << last_error("m1");
  h.close();
}

// ctx:email's `limit`: the email waits for the limiter it names (then for
// `resend`); a malformed name fails the instance, one no limiter has (or
// no longer has) fails the step.
TEST_F(LuaEffectsTest, EmailWaitsForTheLimiterItNames) {
  ResendClient resend(http, email_limiters, ResendOptions{});  // log mode
  TemplateSet templates;
  auto parsed = parse_email_template("welcome", "--- subject\nHi {{name}}\n--- html\n<p>{{name}}</p>\n");
  ASSERT_TRUE(parsed);
  templates.add(*parsed);
  EmailDeps deps{resend, templates, "team@example.com"};
  email = std::shared_ptr<const EmailDeps>(&deps, [](const EmailDeps*) {});
  // A token a millisecond, a burst of 1: the limiter's waits are 1 ms timers.
  ASSERT_TRUE(email_limiters.set("newsletter", {1000.0, 1.0}, LimiterSource::kApi));
  LuaOptions o = options();
  o.effects.limiters = &email_limiters;
  add("w", R"lua(return { run = function(ctx)
    return ctx:email("welcome", { to = "ada@example.com", template = "welcome", vars = { name = "Ada" },
                                  limit = "newsletter:" .. ctx.input.list })
  end })lua",
      o);
  add("bad", R"lua(return { run = function(ctx)
    return ctx:email("welcome", { to = "ada@example.com", template = "welcome", limit = "news letter" })
  end })lua",
      o);
  add("ghost", R"lua(return { run = function(ctx)
    return ctx:email("welcome", { to = "ada@example.com", template = "welcome", limit = "ghost" })
  end })lua",
      o);
  h.open();
  ASSERT_TRUE(h.start("w", "a1", {{"list", "l1"}}));
  ASSERT_TRUE(h.start("w", "a2", {{"list", "l1"}}));
  h.drain();
  auto view = email_limiters.view("newsletter");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->sub_keys, 1u);
  EXPECT_EQ(view->waiting, 1u) << "list l1's second email waits for a token";
  EXPECT_NE(h.status("a1") == InstanceStatus::kCompleted, h.status("a2") == InstanceStatus::kCompleted);
  h.clock.advance(1);
  h.loop.run_once();  // the limiter's 1 ms timer
  run_until("a1", InstanceStatus::kCompleted);
  run_until("a2", InstanceStatus::kCompleted);
  EXPECT_EQ(email_limiters.view("newsletter")->waiting, 0u);
  ASSERT_TRUE(h.start("bad", "b1"));
  run_until("b1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("b1").find("limit: a limiter name is 1 to 64"), std::string::npos) << last_error("b1");
  ASSERT_TRUE(h.start("ghost", "g1"));
  run_until("g1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("g1").find("no limiter 'ghost' is declared"), std::string::npos) << last_error("g1");
  // Deleted: the next email that names it fails the same way.
  ASSERT_TRUE(email_limiters.remove("newsletter"));
  ASSERT_TRUE(h.start("w", "a3", {{"list", "l1"}}));
  run_until("a3", InstanceStatus::kFailed);
  EXPECT_NE(last_error("a3").find("no limiter 'newsletter' is declared"), std::string::npos)
      << last_error("a3");
  h.close();
}

TEST_F(LuaEffectsTest, TemplateRenderFillsPlaceholdersAndIsCapped) {
  LuaOptions o = options();
  o.limits.max_json_bytes = 1000;
  add("w", R"lua(return { run = function(ctx)
    local plain = template.render("Hi {{ name }}, {{n}}", { name = "<Ada>", n = 3 })
    local html = template.render("<b>{{name}}</b>", { name = "<Ada>" }, { html = true })
    local ok1, missing = pcall(template.render, "{{nope}}", {})
    local ok2, long = pcall(template.render, string.rep("x", 1001), {})
    local ok3, big = pcall(template.render, "{{v}}{{v}}", { v = string.rep("y", 600) })
    return { plain = plain, html = html, missing = missing, long = long, big = big, oks = { ok1, ok2, ok3 } }
  end })lua",
      o);
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  ASSERT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  const nlohmann::json& r = result("w1");
  EXPECT_EQ(r["plain"], "Hi <Ada>, 3");
  EXPECT_EQ(r["html"], "<b>&lt;Ada&gt;</b>");
  EXPECT_EQ(r["oks"], (nlohmann::json{false, false, false}));
  EXPECT_NE(r["missing"].get<std::string>().find("no value for placeholder {{nope}}"), std::string::npos);
  EXPECT_NE(r["long"].get<std::string>().find("longer than 1000 bytes"), std::string::npos);
  EXPECT_NE(r["big"].get<std::string>().find("exceed 1000 bytes"), std::string::npos);
}

TEST_F(LuaEffectsTest, CtxConfigIsTheWorkflowsOwnSectionReadOnly) {
  config = {{"endpoint", "https://example.com/hook"}, {"days", {1, 3, 7}}, {"nested", {{"on", true}}}};
  add("w", R"lua(return { run = function(ctx)
    local keys = {}
    for k in pairs(ctx.config) do keys[#keys + 1] = k end
    table.sort(keys)
    local sum = 0
    for _, d in ipairs(ctx.config.days) do sum = sum + d end
    local ok1, e1 = pcall(function() ctx.config.endpoint = "x" end)
    local ok2, e2 = pcall(function() ctx.config.nested.on = false end)
    return { endpoint = ctx.config.endpoint, keys = keys, sum = sum, n = #ctx.config.days,
             on = ctx.config.nested.on, writes = { ok1, ok2 }, e1 = e1 }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  ASSERT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  const nlohmann::json& r = result("w1");
  EXPECT_EQ(r["endpoint"], "https://example.com/hook");
  EXPECT_EQ(r["keys"], (nlohmann::json{"days", "endpoint", "nested"}));
  EXPECT_EQ(r["sum"], 11);
  EXPECT_EQ(r["n"], 3);
  EXPECT_EQ(r["on"], true);
  EXPECT_EQ(r["writes"], (nlohmann::json{false, false}));
  EXPECT_NE(r["e1"].get<std::string>().find("read-only"), std::string::npos);
}

// One ctx.config proxy serves every instance of a script, so nothing may
// reach the table behind it: pairs used to return it as its state value,
// and a write to it would have changed the config every instance sees.
TEST_F(LuaEffectsTest, CtxConfigIsSharedButNoInstanceCanChangeIt) {
  config = {{"endpoint", "https://example.com/hook"}, {"nested", {{"on", true}}}};
  add("w", R"lua(return { run = function(ctx)
    local before = ctx.config.endpoint
    local _, state = pairs(ctx.config)
    local ok1 = pcall(function() state.endpoint = "changed" end)
    local _, nested_state = pairs(ctx.config.nested)
    local ok2 = pcall(function() nested_state.on = false end)
    local n = 0
    for k, v in pairs(ctx.config) do n = n + 1 end
    return { before = before, writes = { ok1, ok2 }, n = n, on = ctx.config.nested.on }
  end })lua");
  h.open();
  for (const char* id : {"w1", "w2"}) {
    ASSERT_TRUE(h.start("w", id));
    ASSERT_EQ(h.status(id), InstanceStatus::kCompleted) << last_error(id);
    const nlohmann::json& r = result(id);
    EXPECT_EQ(r["before"], "https://example.com/hook") << id;
    EXPECT_EQ(r["writes"], (nlohmann::json{false, false})) << id;
    EXPECT_EQ(r["n"], 2) << id;
    EXPECT_EQ(r["on"], true) << id;
  }
}

// ---- The examples of docs/lua.md, read from the page -----------------------

// The ```lua block under the heading `heading` of docs/lua.md.
std::string doc_example(const std::string& heading) {
  std::ifstream in(std::string(SUNDIAL_SOURCE_DIR) + "/docs/lua.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string page = text.str();
  size_t at = page.find("\n" + heading + "\n");
  EXPECT_NE(at, std::string::npos) << heading;
  size_t begin = page.find("```lua\n", at);
  size_t end = page.find("\n```", begin + 7);
  if (at == std::string::npos || begin == std::string::npos || end == std::string::npos) return "";
  return page.substr(begin + 7, end - begin - 7);
}

class LuaDocExamples : public LuaEffectsTest {
 protected:
  // Log-mode email (no Resend key) with the templates `names`.
  void email_templates(const std::vector<std::string>& names) {
    resend = std::make_unique<ResendClient>(http, email_limiters, ResendOptions{});
    for (const auto& name : names) {
      auto parsed =
          parse_email_template(name, "--- subject\n" + name + " for {{name}}\n--- html\n<p>hi</p>\n");
      ASSERT_TRUE(parsed) << parsed.error().message;
      templates.add(*parsed);
    }
    deps = std::make_unique<EmailDeps>(EmailDeps{*resend, templates, "team@example.com"});
    email = std::shared_ptr<const EmailDeps>(deps.get(), [](const EmailDeps*) {});
  }
  size_t emails_sent(const std::string& id) {
    size_t n = 0;
    for (const auto& e : h.history(id))
      n += e.kind == EntryKind::kStepCompleted && e.name.starts_with("email-");
    return n;
  }
  std::unique_ptr<ResendClient> resend;
  TemplateSet templates;
  std::unique_ptr<EmailDeps> deps;
};

TEST_F(LuaDocExamples, TheDripSequenceSendsOnItsDaysAndStopsOnUnsubscribed) {
  email_templates({"welcome", "tips", "offer"});
  add("drip", doc_example("### A drip sequence"));
  h.open();
  EXPECT_FALSE(h.start("drip", "bad", {{"email", "nope"}}));
  ASSERT_TRUE(h.start("drip", "ada", {{"email", "ada@example.com"}, {"name", "Ada"}}));
  ASSERT_TRUE(h.start("drip", "bob", {{"email", "bob@example.com"}}));
  h.fire_timers();
  run_until([&] { return emails_sent("ada") == 1 && emails_sent("bob") == 1; });
  h.advance(2 * kDayMs);
  run_until([&] { return emails_sent("ada") == 2; });
  ASSERT_TRUE(h.signal("bob", "unsubscribed"));
  run_until("bob", InstanceStatus::kCompleted);
  EXPECT_EQ(result("bob"), (nlohmann::json{{"sent", 2}, {"stopped", true}}));
  h.advance(3 * kDayMs);
  run_until("ada", InstanceStatus::kCompleted);
  EXPECT_EQ(result("ada"), (nlohmann::json{{"sent", 3}, {"stopped", false}}));
}

TEST_F(LuaDocExamples, TheWebhookWaitHttpExampleStartsFromADeliveryAndCallsTheEndpointADayLater) {
  setenv("FOLLOWUP_TOKEN", "followup-token-1", 1);
  server.script([](const http::HttpRequest&) { return http::HttpResponse::json(200, {{"ok", true}}); });
  config = {{"endpoint", url("/followups")}};
  LuaOptions o = options();
  o.effects.secrets.allowed = {"FOLLOWUP_TOKEN"};
  const std::string source = doc_example("### A webhook, a wait, an HTTP call");
  auto script = LuaScript::load("followup", source, "followup.lua", o);
  ASSERT_TRUE(script) << script.error().message;
  ASSERT_TRUE(register_lua_script(h.registry, *script));
  auto routes = lua_trigger_routes(*script, [](const std::string&) { return std::string("whsec"); });
  ASSERT_TRUE(routes) << routes.error().message;
  ASSERT_EQ(routes->size(), 1u);
  EXPECT_EQ(routes->front().path, "/webhooks/notion-followup");

  http::HttpRequest request;
  auto map = [&](const nlohmann::json& body) { return run_trigger_map(**script, 1, body, request, {}); };
  auto created = map(
      {{"id", "d1"}, {"type", "page.created"}, {"entity", {{"id", "p1"}}}, {"data", {{"title", "Plan"}}}});
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_EQ(created->size(), 1u);
  const auto* start = std::get_if<webhooks::StartAction>(&created->front());
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->instance_id, "followup:p1");
  EXPECT_EQ(start->input, (nlohmann::json{{"page", "p1"}, {"title", "Plan"}}));
  auto other = map({{"id", "d2"}, {"type", "comment.created"}, {"entity", {{"id", "p1"}}}});
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);  // nil: acknowledged, nothing done
  EXPECT_TRUE(std::holds_alternative<webhooks::IgnoreAction>(other->front()));
  auto no_page = map({{"id", "d3"}, {"type", "page.created"}});
  ASSERT_TRUE(no_page);
  ASSERT_EQ(no_page->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<webhooks::IgnoreAction>(no_page->front()));

  h.open();
  ASSERT_TRUE(h.start("followup", start->instance_id, start->input));
  run_until("followup:p1", InstanceStatus::kWaiting);
  EXPECT_TRUE(server.requests().empty());
  h.advance(kDayMs);
  run_until("followup:p1", InstanceStatus::kCompleted);
  EXPECT_EQ(result("followup:p1"), (nlohmann::json{{"status", 200}}));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_NE(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(*seen[0].header("authorization"), "Bearer followup-token-1");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body),
            (nlohmann::json{{"page", "p1"}, {"title", "Plan"}, {"updated", false}}));
  EXPECT_EQ(journal_text("followup:p1").find("followup-token-1"), std::string::npos);
}

TEST_F(LuaDocExamples, TheStateMachineMovesOneSignalAtATimeAndExpires) {
  add("approval", doc_example("### A state machine driven by signals"));
  h.open();
  ASSERT_TRUE(h.start("approval", "doc1", {{"doc", "spec.md"}}));
  ASSERT_TRUE(h.start("approval", "doc2", {{"doc", "old.md"}}));
  for (const char* name : {"submit", "reject", "submit", "approve"}) {
    ASSERT_TRUE(h.signal("doc1", name, {{"by", std::string(name) == "approve" ? "bob" : "ada"}}));
    h.drain();
  }
  run_until("doc1", InstanceStatus::kCompleted);
  auto done = result("doc1");
  EXPECT_EQ(done["state"], "approved");
  ASSERT_EQ(done["log"].size(), 4u) << done.dump();
  EXPECT_EQ(done["log"][1], (nlohmann::json{{"event", "reject"}, {"from", "review"}, {"by", "ada"}}));
  EXPECT_EQ(done["log"][3], (nlohmann::json{{"event", "approve"}, {"from", "review"}, {"by", "bob"}}));
  EXPECT_EQ(done["published"], (nlohmann::json{{"doc", "spec.md"}, {"key", "doc1/publish"}}));
  h.advance(14 * kDayMs);
  run_until("doc2", InstanceStatus::kCompleted);
  EXPECT_EQ(result("doc2"),
            (nlohmann::json{{"state", "expired"}, {"from", "draft"}, {"log", nlohmann::json::object()}}));
}

}  // namespace
}  // namespace sundial::lua

namespace sundial::lua {
namespace {

// ctx:task: a task for workers, awaited as a step; the retry fields are the task's.
TEST_F(LuaEffectsTest, ATaskIsEnqueuedOnceWithTheTasksRetryFieldsAndItsResultReturned) {
  add("w", R"lua(return { run = function(ctx, input)
    local r = ctx:task("resize", { queue = "images", type = "resize", payload = input,
                                   priority = 5, timeout = "2m", attempts = 7, backoff = "10s" })
    return { thumb = r.thumb }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1", {{"src", "a.png"}}));
  h.drain();
  std::optional<Result<std::vector<TaskRecord>>> claimed;
  h.engine->tasks().claim(ClaimRequest{"images", "worker", 5, 0, {}, nullptr},
                          [&](Result<std::vector<TaskRecord>> r) { claimed = std::move(r); });
  h.drain();
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_EQ((*claimed)->size(), 1u);
  const TaskRecord t = (*claimed)->front();
  EXPECT_EQ(t.payload.value(), (nlohmann::json{{"src", "a.png"}}));
  EXPECT_EQ(t.priority, 5);
  EXPECT_EQ(t.timeout, 2 * kMinuteMs);
  EXPECT_EQ(t.retry.max_attempts, 7u);
  EXPECT_EQ(t.retry.initial_backoff, 10 * kSecondMs);
  EXPECT_EQ(t.instance_id, "w1");
  std::optional<Result<TaskRecord>> done;
  h.engine->tasks().complete(t.id, t.lease, {{"thumb", "a-64.png"}},
                             [&](Result<TaskRecord> r) { done = std::move(r); });
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(result("w1"), (nlohmann::json{{"thumb", "a-64.png"}}));
}

TEST_F(LuaEffectsTest, ATaskWithBadFieldsFailsTheInstanceNamingTheField) {
  add("w", R"lua(return { run = function(ctx)
    return ctx:task("t", { queue = "images", priority = -3 })
  end })lua");
  add("v", R"lua(return { run = function(ctx)
    return ctx:task("t", { payload = 1 })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  ASSERT_TRUE(h.start("v", "v1"));
  run_until("w1", InstanceStatus::kFailed);
  run_until("v1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("priority"), std::string::npos) << last_error("w1");
  EXPECT_NE(last_error("v1").find("queue"), std::string::npos) << last_error("v1");
}

// ctx:kv on the engine's key-value maps: a get, a compare-and-set put, a
// conflict answered (not raised), a delete that leaves a tombstone; each
// a journaled step. (The engine opens first: the script needs its store.)
TEST_F(LuaEffectsTest, KvStepsReadWriteCompareAndDeleteTheEnginesMaps) {
  h.open();
  LuaOptions o = options();
  o.effects.kv = &h.engine->kv();
  add("w", R"lua(return { run = function(ctx)
    local NS = "lua-test"
    local missing = ctx:kv("get-1", { namespace = NS, get = "page/1" })
    local made = ctx:kv("put-1", { namespace = NS, put = "page/1", value = { issue = 7 }, if_version = missing.version })
    local clash = ctx:kv("put-2", { namespace = NS, put = "page/1", value = { issue = 8 }, if_version = 0 })
    local gone = ctx:kv("del-1", { namespace = NS, delete = "page/1", if_version = made.version })
    local after = ctx:kv("get-2", { namespace = NS, get = "page/1" })
    return { missing = missing.found, made = made.version, clash = clash.conflict, clash_ok = clash.ok,
             found_issue = clash.entry.value.issue, gone = gone.version, deleted = after.deleted,
             kept = after.value.issue }
  end })lua",
      o);
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(result("w1"), (nlohmann::json{{"missing", false},
                                          {"made", 1},
                                          {"clash", true},
                                          {"clash_ok", false},
                                          {"found_issue", 7},
                                          {"gone", 2},
                                          {"deleted", true},
                                          {"kept", 7}}));
  EXPECT_EQ(h.engine->kv().stats().conflicts, 1u);
}

// ctx:publish on the engine's event bus: the event is published once with
// the step's idempotency key as its id, so a second instance publishing
// under its own key makes a second event, and a repeat of the same id is a
// duplicate; ctx:critical_path answers on the blocking-step pool.
TEST_F(LuaEffectsTest, PublishPutsAnEventOnATopicOncePerStep) {
  h.open();
  LuaOptions o = options();
  o.effects.topics = &h.engine->topics();
  add("w", R"lua(return { run = function(ctx, input)
    local a = ctx:publish("pub", { topic = "tasks", type = "Done", key = input.k, data = { n = 1 } })
    local b = ctx:publish("pub-again", { topic = "tasks", type = "Done", id = "fixed" })
    local c = ctx:publish("pub-third", { topic = "tasks", type = "Done", id = "fixed" })
    return { a = a.seq, a_dup = a.duplicate, b = b.seq, c = c.seq, c_dup = c.duplicate }
  end })lua",
      o);
  ASSERT_TRUE(h.start("w", "w1", {{"k", "task-1"}}));
  run_until("w1", InstanceStatus::kCompleted);
  EXPECT_EQ(result("w1"), (nlohmann::json{{"a", 1}, {"a_dup", false}, {"b", 2}, {"c", 2}, {"c_dup", true}}));
  EXPECT_EQ(h.engine->topics().last_seq("tasks"), 2u);
  std::optional<Result<TopicBacklog>> read;
  h.engine->read<TopicBacklog>([](Store& s) { return read_topic_backlog(s, "tasks", 0, 10); },
                               [&](Result<TopicBacklog> r) { read = std::move(r); });
  h.drain();
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->events[0].id, "w1/pub") << "the step's idempotency key";
  EXPECT_EQ((*read)->events[0].key, "task-1");
}

TEST_F(LuaEffectsTest, CriticalPathRunsOffTheLoopAndReportsCycles) {
  h.open();
  add("w", R"lua(return { run = function(ctx)
    local dag = ctx:critical_path("dag", {
      tasks = { { id = "a", duration = 2 }, { id = "b", duration = 3 }, { id = "c", duration = 1 } },
      edges = { { from = "a", to = "b" }, { from = "a", to = "c" } }, detail = false })
    local loop = ctx:critical_path("loop", {
      tasks = { { id = "x", duration = 1 }, { id = "y", duration = 1 } },
      edges = { { from = "x", to = "y" }, { from = "y", to = "x" } } })
    local none = ctx:critical_path("none", { tasks = {}, edges = {} })
    return { length = dag.length, path = dag.path, critical = dag.critical, cycle = loop.cycle,
             empty = none.length }
  end })lua");
  ASSERT_TRUE(h.start("w", "w1"));
  run_until("w1", InstanceStatus::kCompleted);
  nlohmann::json r = result("w1");
  EXPECT_EQ(r["length"], 5);
  EXPECT_EQ(r["path"], (nlohmann::json{"a", "b"}));
  EXPECT_EQ(r["critical"], (nlohmann::json{"a", "b"}));
  EXPECT_EQ(r["cycle"].size(), 2u);
  EXPECT_EQ(r["empty"], 0);

  add("bad", R"lua(return { run = function(ctx)
    return ctx:critical_path("g", { tasks = { { id = "a", duration = -1 } } })
  end })lua");
  ASSERT_TRUE(h.start("bad", "bad1"));
  run_until("bad1", InstanceStatus::kFailed);
  EXPECT_NE(last_error("bad1").find("duration"), std::string::npos) << last_error("bad1");
}

TEST_F(LuaEffectsTest, KvAndGitHubArgumentsAreCheckedWhenTheScriptCalls) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(ctx:kv("k", { get = "x" }))", "namespace is required"},
      {R"(ctx:kv("k", { namespace = "n", get = "x", put = "y" }))", "give one of get, put or delete"},
      {R"(ctx:kv("k", { namespace = "n", put = "x" }))", "value is required"},
      {R"(ctx:kv("k", { namespace = "bad space", get = "x" }))", "kv namespace"},
      {R"(ctx:kv("k", { namespace = "n", get = "x", if_version = 1 }))", "if_version belongs"},
      {R"(ctx:kv("k", { namespace = "n", put = "x", value = 1, if_version = -1 }))", "if_version must be"},
      {R"(ctx:github("g", { repo = "acme/app" }))", "give one of create_issue"},
      {R"(ctx:github("g", { repo = "../etc", pull = 1 }))", "repo"},
      {R"(ctx:github("g", { repo = "acme/app", branch = "a..b" }))", "a..b"},
      {R"(ctx:github("g", { repo = "acme/app", merge = 1, method = "octopus" }))", "method"},
      {R"(ctx:github("g", { repo = "acme/app", create_issue = { title = "t" } }))", "marker"},
      {R"(ctx:github("g", { repo = "acme/app", pull = 1, marker = "m" }))", "marker does not belong"},
      {R"(ctx:publish("p", { type = "x" }))", "topic (a string) is required"},
      {R"(ctx:publish("p", { topic = "a b", type = "x" }))", "topic 'a b'"},
      {R"(ctx:publish("p", { topic = "t" }))", "type is required"},
      {R"(ctx:publish("p", { topic = "t", type = "x", colour = 1 }))", "colour"},
      {R"(ctx:critical_path("c", { edges = {} }))", "tasks"},
  };
  h.open();
  int n = 0;
  for (const auto& [call, mentions] : cases) {
    std::string type = "w" + std::to_string(++n);
    add(type, std::string("return { run = function(ctx) return ") + call + " end }");
    ASSERT_TRUE(h.start(type, type));
    run_until(type, InstanceStatus::kFailed);
    EXPECT_NE(last_error(type).find(mentions), std::string::npos) << call << ": " << last_error(type);
  }
  // Without a client or store, a well-formed call fails its step for good.
  add("nokv",
      R"lua(return { run = function(ctx) return ctx:kv("k", { namespace = "n", get = "x" }) end })lua");
  add("nogh",
      R"lua(return { run = function(ctx) return ctx:github("g", { repo = "acme/app", pull = 1 }) end })lua");
  ASSERT_TRUE(h.start("nokv", "nokv"));
  ASSERT_TRUE(h.start("nogh", "nogh"));
  run_until("nokv", InstanceStatus::kFailed);
  run_until("nogh", InstanceStatus::kFailed);
  EXPECT_NE(last_error("nokv").find("not available"), std::string::npos) << last_error("nokv");
  EXPECT_NE(last_error("nogh").find("not available"), std::string::npos) << last_error("nogh");
}

}  // namespace
}  // namespace sundial::lua
