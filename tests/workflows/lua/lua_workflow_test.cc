// Lua workflows on a real engine (RocksDB in a temp dir, a ManualClock):
// the ctx surface, steps and retries, replay after a restart, divergence,
// failures with tracebacks, and loading a directory of scripts.
#include "workflows/lua/workflow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "engine/runtime/dry_replay.h"
#include "tests/support/engine_harness.h"
#include "workflows/lua/loader.h"
#include "workflows/lua/script.h"

namespace sundial::lua {
namespace {

// The minimal script of issue 13, exactly as written there.
const char* const kMinimalScript = R"lua(
return {
  run = function(ctx, input)
    local r = ctx:step("hello", function(info) return { msg = "hi " .. input.name } end)
    ctx:sleep("2s")
    local sig = ctx:wait({ "go" }, { timeout = "10s" })   -- nil on timeout, else { name =, payload = }
    return { said = r.msg, signal = sig and sig.name }
  end,
}
)lua";

class LuaWorkflowTest : public ::testing::Test {
 protected:
  void TearDown() override { h.close(); }

  LuaOptions options() {
    LuaOptions o;
    o.limits.instructions_per_activation = 200'000;
    o.limits.max_journal_entries = limits_journal;
    o.limits.warm_memory_per_state = warm_bytes;
    return o;
  }
  size_t limits_journal = 10'000;
  size_t warm_bytes = 8u << 20;

  void add(const std::string& type, const std::string& source) {
    auto script = LuaScript::load(type, source, type + ".lua", options());
    ASSERT_TRUE(script) << script.error().message;
    ASSERT_TRUE(register_lua_script(h.registry, *script));
  }

  // Registers `source` as version `as` of `type` (what an upgrade does for
  // the instances it moves), so instances recorded on `as` replay it.
  void add_as_version(const std::string& type, const std::string& source, const std::string& as) {
    auto loaded = LuaScript::load(type, source, type + ".lua", options());
    ASSERT_TRUE(loaded) << loaded.error().message;
    std::shared_ptr<const LuaScript> script = *loaded;
    ASSERT_TRUE(h.registry.add_version(
        WorkflowType{
            type, "", [script](Context& ctx) { return lua_workflow(script, ctx); }, {}, "lua", as, {}, {}},
        false));
  }
  std::string version_of(const std::string& id) {
    auto r = h.describe(id);
    return r ? r->version : std::string();
  }

  // The instance's stored result (the value `run` returned).
  nlohmann::json result(const std::string& id) {
    auto r = h.describe(id);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->result : nlohmann::json();
  }

  std::string last_error(const std::string& id) {
    auto r = h.describe(id);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->last_error : std::string();
  }

  size_t count(const std::string& id, EntryKind kind) {
    size_t n = 0;
    for (auto k : h.kinds(id)) n += k == kind ? 1 : 0;
    return n;
  }

  // dry_replay of `source` (as type "w") against instance `id`'s journal.
  Result<void> dry_replay_as(const std::string& id, const std::string& source) {
    auto script = LuaScript::load("w", source, "w.lua", options());
    if (!script) return std::unexpected(script.error());
    auto record = h.describe(id);
    if (!record) return std::unexpected(record.error());
    std::shared_ptr<const LuaScript> version = *script;
    WorkflowFn fn = [version](Context& ctx) { return lua_workflow(version, ctx); };
    return dry_replay(fn, dry_replay_request(*record, h.history(id)));
  }

  testing::EngineHarness h;
};

TEST_F(LuaWorkflowTest, TheMinimalScriptRunsWithASignal) {
  add("greet", kMinimalScript);
  h.open();
  ASSERT_TRUE(h.start("greet", "g1", {{"name", "ada"}}));
  EXPECT_EQ(h.status("g1"), InstanceStatus::kWaiting);
  h.advance(2000);
  EXPECT_EQ(h.status("g1"), InstanceStatus::kWaiting);
  ASSERT_TRUE(h.signal("g1", "go", {{"x", 1}}));
  EXPECT_EQ(h.status("g1"), InstanceStatus::kCompleted) << last_error("g1");
  EXPECT_EQ(result("g1"), (nlohmann::json{{"said", "hi ada"}, {"signal", "go"}}));
}

TEST_F(LuaWorkflowTest, TheMinimalScriptTimesOut) {
  add("greet", kMinimalScript);
  h.open();
  ASSERT_TRUE(h.start("greet", "g1", {{"name", "bob"}}));
  h.advance(2000);
  h.advance(9999);
  EXPECT_EQ(h.status("g1"), InstanceStatus::kWaiting);
  h.advance(1);
  EXPECT_EQ(h.status("g1"), InstanceStatus::kCompleted) << last_error("g1");
  EXPECT_EQ(result("g1"), (nlohmann::json{{"said", "hi bob"}}));
}

TEST_F(LuaWorkflowTest, ASignalPayloadReachesTheScript) {
  add("w", R"lua(return { run = function(ctx)
    local sig = ctx:wait("go")
    return { name = sig.name, payload = sig.payload }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  ASSERT_TRUE(h.signal("w1", "go", {{"n", 7}, {"list", {1, 2}}}));
  EXPECT_EQ(result("w1"), (nlohmann::json{{"name", "go"}, {"payload", {{"n", 7}, {"list", {1, 2}}}}}));
}

TEST_F(LuaWorkflowTest, StepsGetTheirKeyAndAttemptAndARetriedErrorIsAFailedAttempt) {
  add("w", R"lua(return { run = function(ctx)
    local r = ctx:step("flaky", function(info)
      if info.attempt < 2 then error("flaky provider") end
      return { key = info.key, attempt = info.attempt }
    end, { attempts = 3, backoff = "1s" })
    return r
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(count("w1", EntryKind::kStepAttemptFailed), 1u);
  auto history = h.history("w1");
  bool found = false;
  for (const auto& e : history) {
    if (e.kind == EntryKind::kStepAttemptFailed) {
      found = true;
      EXPECT_NE(e.error.find("w.lua:3: flaky provider"), std::string::npos) << e.error;
    }
  }
  EXPECT_TRUE(found);
  h.advance(1000);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1"), (nlohmann::json{{"key", "w1/flaky"}, {"attempt", 2}}));
}

TEST_F(LuaWorkflowTest, AStepThatKeepsFailingFailsTheInstance) {
  add("w", R"lua(return { run = function(ctx)
    ctx:step("doomed", function() error("always") end, { attempts = 2, backoff = 500 })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  h.advance(500);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("always"), std::string::npos) << last_error("w1");
}

TEST_F(LuaWorkflowTest, AStepErrorMarkedNotRetryableFailsAtOnce) {
  add("w", R"lua(return { run = function(ctx)
    ctx:step("charge", function()
      error({ message = "card declined", retryable = false })
    end, { attempts = 5 })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_EQ(count("w1", EntryKind::kStepAttemptFailed), 0u);
  EXPECT_NE(last_error("w1").find("step 'charge': card declined"), std::string::npos) << last_error("w1");
}

TEST_F(LuaWorkflowTest, AnErrorOutsideAStepFailsTheInstanceWithATraceback) {
  add("w", R"lua(return { run = function(ctx, input)
    ctx:sleep(100)
    local missing = input.nothing.here
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  h.advance(100);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  std::string error = last_error("w1");
  EXPECT_EQ(error.rfind("internal: w.lua:3: attempt to index a nil value (field 'nothing')", 0), 0u) << error;
  EXPECT_NE(error.find("stack traceback"), std::string::npos) << error;
  EXPECT_NE(error.find("w.lua:3: in function"), std::string::npos) << error;  // a file:line frame
  // The same text in the history's `failed` entry and the instance_failed event.
  auto history = h.history("w1");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().kind, EntryKind::kFailed);
  EXPECT_EQ(history.back().error, error);
  auto events = h.query<EventBacklog>([&](auto done) { h.engine->event_backlog(0, 1000, std::move(done)); });
  ASSERT_TRUE(events) << events.error().to_string();
  auto failed = std::find_if(events->events.begin(), events->events.end(),
                             [](const EngineEvent& e) { return e.type == EventType::kFailed; });
  ASSERT_NE(failed, events->events.end());
  EXPECT_EQ(failed->instance_id, "w1");
  EXPECT_EQ(failed->detail, error);
}

TEST_F(LuaWorkflowTest, PcallCannotSwallowTheBudgetInRun) {
  add("w", R"lua(return { run = function(ctx)
    while true do pcall(function() while true do end end) end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  // The instance fails with the error code, and a traceback to the line.
  std::string error = last_error("w1");
  EXPECT_EQ(error.rfind("budget_exceeded: the script ran more than 200000 Lua instructions", 0), 0u) << error;
  EXPECT_NE(error.find("w.lua:2:"), std::string::npos) << error;
}

TEST_F(LuaWorkflowTest, MemoryOverTheCapFailsTheInstanceWithMemoryExceeded) {
  add("w", R"lua(return { run = function(ctx)
    ctx:sleep(10)
    local s = "x"
    while true do s = s .. s end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  h.advance(10);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  std::string error = last_error("w1");
  EXPECT_EQ(error.rfind("memory_exceeded: the script needed more than", 0), 0u) << error;
}

TEST_F(LuaWorkflowTest, ValidateOverItsBudgetRefusesTheStartWithBudgetExceeded) {
  add("w", R"lua(return {
    validate = function(input) while true do end end,
    run = function(ctx) end,
  })lua");
  h.open();
  auto started = h.start("w", "w1");
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kBudgetExceeded) << started.error().to_string();
  EXPECT_EQ(h.describe("w1").error().code, ErrorCode::kNotFound);
}

TEST_F(LuaWorkflowTest, TheBudgetIsPerActivation) {
  // 150k instructions per activation stays under the 200k budget, however
  // many activations the instance has.
  add("w", R"lua(return { run = function(ctx)
    local total = 0
    for round = 1, 5 do
      for i = 1, 30000 do total = total + 1 end
      ctx:sleep(10)
    end
    return { total = total }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  for (int i = 0; i < 5; ++i) h.advance(10);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1")["total"], 150000);
}

TEST_F(LuaWorkflowTest, AnInstanceThatKeepsCallingCtxFailsAtTheJournalCap) {
  limits_journal = 20;
  add("w", R"lua(return { run = function(ctx)
    local n = 0
    while true do
      n = n + 1
      ctx:step("s" .. n, function() return n end)
    end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_EQ(count("w1", EntryKind::kStepCompleted), 20u);
  std::string error = last_error("w1");
  EXPECT_EQ(error.rfind("budget_exceeded: w.lua:5: the instance made more than 20 ctx calls", 0), 0u)
      << error;
}

// Instances waiting for a timer due within the warm horizon stay in memory
// while their script's state is within its warm budget; over it they are
// evicted, and replayed when the timer fires.
TEST_F(LuaWorkflowTest, WaitingInstancesStayWarmOnlyWithinTheirScriptsWarmBudget) {
  const std::string source = R"lua(return { run = function(ctx)
    ctx:sleep("1s")
    return ctx:step("after", function() return 1 end)
  end })lua";
  add("warm", source);
  warm_bytes = 0;
  add("cold", source);
  h.open();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(h.start("warm", "w" + std::to_string(i)));
    ASSERT_TRUE(h.start("cold", "c" + std::to_string(i)));
  }
  EXPECT_EQ(h.engine->live_instances(), 10u);
  h.advance(kSecondMs);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(h.status("w" + std::to_string(i)), InstanceStatus::kCompleted);
    EXPECT_EQ(h.status("c" + std::to_string(i)), InstanceStatus::kCompleted)
        << last_error("c" + std::to_string(i));
  }
}

TEST_F(LuaWorkflowTest, AStepOverBudgetFailsForGood) {
  add("w", R"lua(return { run = function(ctx)
    ctx:step("spin", function() while true do pcall(function() while true do end end) end end)
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_EQ(count("w1", EntryKind::kStepAttemptFailed), 0u);
  EXPECT_NE(last_error("w1").find("budget_exceeded: step 'spin': the script ran more than"),
            std::string::npos)
      << last_error("w1");
}

TEST_F(LuaWorkflowTest, AWaitMayYieldAcrossPcall) {
  add("w", R"lua(return { run = function(ctx)
    local ok, err = pcall(function()
      ctx:sleep("1s")
      error("after the sleep", 0)
    end)
    return { ok = ok, err = err }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kWaiting);
  h.advance(1000);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1"), (nlohmann::json{{"ok", false}, {"err", "after the sleep"}}));
}

TEST_F(LuaWorkflowTest, CoroutineWrapWorksInsideAStep) {
  add("w", R"lua(return { run = function(ctx)
    return ctx:step("gen", function()
      local gen = coroutine.wrap(function() for i = 1, 4 do coroutine.yield(i) end end)
      local sum = 0
      for _ = 1, 4 do sum = sum + gen() end
      return { sum = sum }
    end)
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1"), (nlohmann::json{{"sum", 10}}));
}

// Step functions run on a thread the sandbox reuses once a run has
// returned: a script that kept it (coroutine.running) finds it dead, so it
// can neither resume it nor reach what runs on it next.
TEST_F(LuaWorkflowTest, AStepsThreadIsReusedOnlyAsADeadCoroutine) {
  add("w", R"lua(return { run = function(ctx)
    local kept
    ctx:step("a", function() kept = coroutine.running() return 1 end)
    local inside = ctx:step("b", function() return coroutine.status(coroutine.running()) end)
    local ok, err = coroutine.resume(kept)
    local closed = coroutine.close(kept)
    local after = ctx:step("c", function() return "fine" end)
    return { inside = inside, status = coroutine.status(kept), ok = ok, err = err, closed = closed,
             after = after }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  ASSERT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  const nlohmann::json r = result("w1");
  EXPECT_EQ(r["inside"], "running");
  EXPECT_EQ(r["status"], "dead");
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["err"], "cannot resume dead coroutine");
  EXPECT_EQ(r["closed"], true);
  EXPECT_EQ(r["after"], "fine");
}

TEST_F(LuaWorkflowTest, CtxWaitsAreRefusedInsideStepsAndCoroutines) {
  add("w", R"lua(return { run = function(ctx, input)
    if input.where == "step" then
      ctx:step("s", function() ctx:sleep(10) end, { attempts = 1 })
    elseif input.where == "coroutine" then
      coroutine.wrap(function() ctx:sleep(10) end)()
    else
      ctx:step("r", function() return ctx:random() end, { attempts = 1 })
    end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "in-step", {{"where", "step"}}));
  ASSERT_TRUE(h.start("w", "in-coroutine", {{"where", "coroutine"}}));
  ASSERT_TRUE(h.start("w", "random-in-step", {{"where", "random"}}));
  for (const char* id : {"in-step", "in-coroutine"}) {
    EXPECT_EQ(h.status(id), InstanceStatus::kFailed) << id;
    EXPECT_NE(last_error(id).find("ctx:sleep can only be called from the workflow's own code"),
              std::string::npos)
        << last_error(id);
  }
  EXPECT_EQ(h.status("random-in-step"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("random-in-step").find("ctx:random cannot be called inside a step"), std::string::npos)
      << last_error("random-in-step");
}

const char* const kReplayScript = R"lua(
return {
  run = function(ctx, input)
    local before = { uuid = ctx:uuid(), random = ctx:random(), now = ctx:now() }
    local seen = ctx:step("record", function() return before end)
    ctx:sleep("1h30m")
    local after = { uuid = ctx:uuid(), now = ctx:now() }
    return { id = ctx.id, type = ctx.type, who = ctx.input.who, seen = seen, replayed = before, after = after }
  end,
}
)lua";

TEST_F(LuaWorkflowTest, AnInstanceReloadedAfterARestartReplaysDeterministically) {
  add("w", kReplayScript);
  h.open();
  TimeMs started = h.clock.now_ms();
  ASSERT_TRUE(h.start("w", "w1", {{"who", "ada"}}));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kWaiting);
  h.reopen();
  h.advance(90 * kMinuteMs);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  const auto& r = result("w1");
  EXPECT_EQ(r["id"], "w1");
  EXPECT_EQ(r["type"], "w");
  EXPECT_EQ(r["who"], "ada");
  // The replay after the restart computed the same values the first run
  // journaled.
  EXPECT_EQ(r["seen"], r["replayed"]);
  EXPECT_EQ(r["seen"]["now"], started);
  EXPECT_EQ(r["after"]["now"], started + 90 * kMinuteMs);
  EXPECT_NE(r["after"]["uuid"], r["seen"]["uuid"]);
  EXPECT_EQ(count("w1", EntryKind::kStepCompleted), 1u);
}

TEST_F(LuaWorkflowTest, AnInstanceEvictedAtEveryWaitReplaysToTheSameResult) {
  h.options.warm.max_instances = 0;  // nothing stays in memory while it waits
  add("w", R"lua(return { run = function(ctx)
    local seen = {}
    for i = 1, 4 do
      seen[i] = ctx:step("s" .. i, function(info) return i * 10 + info.attempt end)
      ctx:sleep(1000)
    end
    return { seen = seen, draw = ctx:uuid() }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(h.status("w1"), InstanceStatus::kWaiting);
    h.advance(1000);
  }
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1")["seen"], (nlohmann::json{11, 21, 31, 41}));
  EXPECT_EQ(count("w1", EntryKind::kStepCompleted), 4u);
}

TEST_F(LuaWorkflowTest, SleepUntilAndWaitUntilUseAbsoluteTimes) {
  add("w", R"lua(return { run = function(ctx)
    local t0 = ctx:now()
    ctx:sleep_until(t0 + 5000)
    local sig = ctx:wait({ "a", "b" }, { ["until"] = t0 + 8000 })
    local sig2 = ctx:wait({ "a", "b" }, { ["until"] = t0 + 20000 })
    return { slept = ctx:now() - t0, first = sig == nil, second = sig2 and sig2.name }
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  h.advance(4999);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kWaiting);
  h.advance(1);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kWaiting);
  h.advance(3000);  // the first wait times out at t0 + 8s
  ASSERT_TRUE(h.signal("w1", "b"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kCompleted) << last_error("w1");
  EXPECT_EQ(result("w1"), (nlohmann::json{{"slept", 8000}, {"first", true}, {"second", "b"}}));
}

TEST_F(LuaWorkflowTest, BadArgumentsToCtxFailTheInstanceWithTheLine) {
  add("w", R"lua(return { run = function(ctx)
    ctx:sleep("soon")
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("w.lua:2: ctx:sleep: invalid duration 'soon'"), std::string::npos)
      << last_error("w1");
}

TEST_F(LuaWorkflowTest, StepAndSignalNamesFollowTheEnginesRules) {
  add("w", R"lua(return { run = function(ctx, input)
    if input.what == "step" then
      ctx:step(string.rep("s", 201), function() return 1 end)
    else
      ctx:wait({ "ok", "bad\n" })
    end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "long-step", {{"what", "step"}}));
  ASSERT_TRUE(h.start("w", "bad-signal", {{"what", "signal"}}));
  EXPECT_NE(last_error("long-step").find("w.lua:3: ctx:step: step name must be 1 to 200 characters"),
            std::string::npos)
      << last_error("long-step");
  EXPECT_NE(
      last_error("bad-signal").find("w.lua:5: ctx:wait: signal name must not contain control characters"),
      std::string::npos)
      << last_error("bad-signal");
  EXPECT_EQ(count("long-step", EntryKind::kStepCompleted), 0u);
}

TEST_F(LuaWorkflowTest, CtxIsReadOnly) {
  add("w", R"lua(return { run = function(ctx) ctx.id = "other" end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("ctx is read-only"), std::string::npos) << last_error("w1");
}

const char* const kVersionOne = R"lua(return { run = function(ctx)
    ctx:step("a", function() return 1 end)
    ctx:sleep("1m")
    return { version = 1 }
  end })lua";
const char* const kVersionTwo = R"lua(return { run = function(ctx)
    ctx:step("renamed", function() return 1 end)
    ctx:sleep("1m")
    return { version = 2 }
  end })lua";

TEST_F(LuaWorkflowTest, AnEditedScriptAppliesToNewInstancesWhileRunningOnesKeepTheirVersion) {
  add("w", kVersionOne);
  h.open();
  ASSERT_TRUE(h.start("w", "old"));
  h.close();
  h.registry = Registry();
  add("w", kVersionOne);
  add("w", kVersionTwo);  // now current
  h.open();
  ASSERT_TRUE(h.start("w", "new"));
  h.advance(kMinuteMs);
  EXPECT_EQ(h.status("old"), InstanceStatus::kCompleted) << last_error("old");
  EXPECT_EQ(h.status("new"), InstanceStatus::kCompleted) << last_error("new");
  EXPECT_EQ(result("old"), (nlohmann::json{{"version", 1}}));
  EXPECT_EQ(result("new"), (nlohmann::json{{"version", 2}}));
  auto old_record = h.describe("old");
  auto new_record = h.describe("new");
  ASSERT_TRUE(old_record && new_record);
  EXPECT_NE(old_record->version, new_record->version);
  EXPECT_EQ(new_record->version, h.registry.find("w")->version);
}

TEST_F(LuaWorkflowTest, AnInstanceWhoseVersionIsNotLoadedFailsNamingTheVersion) {
  add("w", kVersionOne);
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  std::string version = h.registry.find("w")->version;
  h.close();
  h.registry = Registry();
  add("w", kVersionTwo);
  h.open();
  h.advance(kMinuteMs);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("w1").find("version " + version + " of workflow type 'w' is not loaded"),
            std::string::npos)
      << last_error("w1");
}

// ---- ctx:continue_as_new ---------------------------------------------------

TEST_F(LuaWorkflowTest, ContinueAsNewStartsTheNextRunWithTheStateItCarries) {
  add("counter", R"lua(return { run = function(ctx, input)
    local got = ctx:wait("add", { timeout = "1h" })
    if got == nil then return input.total end
    ctx:continue_as_new({ total = input.total + got.payload.n })
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("counter", "c", {{"total", 0}}));
  for (int n : {5, 7}) {
    ASSERT_TRUE(h.signal("c", "add", {{"n", n}}));
    h.advance(0);
  }
  h.reopen();
  h.advance(kHourMs);
  auto last = h.describe("c");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->run, 3u);
  EXPECT_EQ(last->status, InstanceStatus::kCompleted) << last->last_error;
  EXPECT_EQ(last->result, 12);
  auto second = h.read_history("c", 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->back().kind, EntryKind::kContinuedAsNew);
  EXPECT_EQ(second->back().data, (nlohmann::json{{"total", 12}}));
}

// ---- ctx:start_child, ctx:signal ----------------------------------------------

TEST_F(LuaWorkflowTest, AParentFansOutToChildrenAndGathersTheirResultsInOrder) {
  add("double", R"lua(return { run = function(ctx, input)
    ctx:wait("go")
    return input.n * 2
  end })lua");
  add("fanout", R"lua(return { run = function(ctx, input)
    local children = {}
    for i, n in ipairs(input.ns) do
      children[i] = ctx:start_child("start-" .. i, { type = "double", input = { n = n } })
    end
    for i, child in ipairs(children) do
      ctx:signal("go-" .. i, { id = child.instance_id, signal = "go" })
    end
    local results = {}
    for i, child in ipairs(children) do
      results[i] = ctx:wait("child:" .. child.instance_id).payload.result
    end
    return results
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("fanout", "f", {{"ns", {3, 1, 2}}}));
  h.advance(0);
  auto parent = h.describe("f");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kCompleted) << parent->last_error;
  EXPECT_EQ(parent->result, (nlohmann::json{6, 2, 4}));
  auto child = h.describe("f.start-2");
  ASSERT_TRUE(child);
  EXPECT_EQ(child->parent_id, "f");
}

TEST_F(LuaWorkflowTest, StartChildAndSignalRefuseMalformedSpecs) {
  add("w", R"lua(return { run = function(ctx, input)
    if input.bad == "field" then ctx:start_child("c", { type = "w", inptu = {} }) end
    if input.bad == "type" then ctx:start_child("c", { id = "x" }) end
    if input.bad == "signal" then ctx:signal("s", { id = "x" }) end
  end })lua");
  h.open();
  for (const char* bad : {"field", "type", "signal"}) {
    std::string id = std::string("w-") + bad;
    ASSERT_TRUE(h.start("w", id, {{"bad", bad}}));
    EXPECT_EQ(h.status(id), InstanceStatus::kFailed) << bad;
  }
  EXPECT_NE(last_error("w-field").find("inptu"), std::string::npos) << last_error("w-field");
  EXPECT_NE(last_error("w-type").find("'type' is required"), std::string::npos) << last_error("w-type");
  EXPECT_NE(last_error("w-signal").find("'signal' is required"), std::string::npos) << last_error("w-signal");
}

// ---- ctx:patched ------------------------------------------------------------

const char* const kDripBeforeFix = R"lua(return { run = function(ctx)
  ctx:step("welcome", function() return 1 end)
  ctx:sleep("1d")
  local r = ctx:step("day-1", function() return "old" end)
  ctx:sleep("1d")
  return r
end })lua";

const char* const kDripWithFix = R"lua(return { run = function(ctx)
  ctx:step("welcome", function() return 1 end)
  local fixed = ctx:patched("day-1-fix")
  ctx:sleep("1d")
  local r
  if fixed then
    r = ctx:step("day-1-v2", function() return "new" end)
  else
    r = ctx:step("day-1", function() return "old" end)
  end
  ctx:sleep("1d")
  return r
end })lua";

TEST_F(LuaWorkflowTest, PatchedKeepsOldInstancesOnTheOldPathAndNewOnesOnTheNew) {
  add("drip", kDripBeforeFix);
  h.open();
  ASSERT_TRUE(h.start("drip", "old"));
  std::string old_version = version_of("old");
  h.close();
  h.registry = Registry();
  add("drip", kDripWithFix);
  add_as_version("drip", kDripWithFix, old_version);  // the fix reaches the running instance
  h.open();
  ASSERT_TRUE(h.start("drip", "new"));
  h.reopen();  // both replay from their journals
  h.advance(kDayMs);
  h.reopen();
  h.advance(kDayMs);
  EXPECT_EQ(h.status("old"), InstanceStatus::kCompleted) << last_error("old");
  EXPECT_EQ(h.status("new"), InstanceStatus::kCompleted) << last_error("new");
  EXPECT_EQ(result("old"), "old");
  EXPECT_EQ(result("new"), "new");
  EXPECT_EQ(count("old", EntryKind::kPatch), 0u);
  EXPECT_EQ(count("new", EntryKind::kPatch), 1u);
}

TEST_F(LuaWorkflowTest, PatchedIsRefusedInsideAStepAndNeedsAValidId) {
  add("w", R"lua(return { run = function(ctx, input)
    if input.where == "step" then
      ctx:step("s", function() return ctx:patched("x") end, { attempts = 1 })
    else
      ctx:patched("")
    end
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "in-step", {{"where", "step"}}));
  ASSERT_TRUE(h.start("w", "empty", {{"where", "run"}}));
  EXPECT_EQ(h.status("in-step"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("in-step").find("ctx:patched cannot be called inside a step"), std::string::npos)
      << last_error("in-step");
  EXPECT_EQ(h.status("empty"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("empty").find("w.lua:5: ctx:patched"), std::string::npos) << last_error("empty");
}

TEST_F(LuaWorkflowTest, AScriptEditedUnderARunningInstanceFailsItNamingTheLineAndTheEntry) {
  add("w", R"lua(return { run = function(ctx)
    ctx:step("a", function() return 1 end)
    ctx:sleep("1m")
    ctx:step("b", function() return 2 end)
    ctx:sleep("1m")
  end })lua");
  h.open();
  ASSERT_TRUE(h.start("w", "w1"));
  h.advance(kMinuteMs);  // journal: started, a, sleep scheduled, fired, b, sleep scheduled
  std::string old_version = version_of("w1");
  h.close();
  h.registry = Registry();
  add_as_version("w", R"lua(return { run = function(ctx)
    ctx:step("a", function() return 1 end)
    ctx:sleep("1m")
    ctx:sleep("1m")
    ctx:step("b", function() return 2 end)
  end })lua",
                 old_version);
  h.open();
  h.advance(kMinuteMs);
  EXPECT_EQ(h.status("w1"), InstanceStatus::kFailed);
  std::string error = last_error("w1");
  EXPECT_EQ(error.rfind(
                "non_determinism: w.lua:4: sleep does not match journal entry #4 (step_completed \"b\")", 0),
            0u)
      << error;
  auto history = h.history("w1");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().kind, EntryKind::kFailed);
  EXPECT_EQ(history.back().error, error);
}

// ---- Dry replay ----------------------------------------------------------------

TEST_F(LuaWorkflowTest, DryReplayAcceptsACompatibleVersionAndNamesTheDivergenceOfAReorderedOne) {
  add("w", kDripBeforeFix);
  h.open();
  ASSERT_TRUE(h.start("w", "old"));
  h.advance(kDayMs);  // waits in the second sleep
  size_t entries = h.history("old").size();

  // Same sequence, a step added after the point the instance reached, and
  // step bodies that would fail if they ran.
  auto compatible = dry_replay_as("old", R"lua(return { run = function(ctx)
    ctx:step("welcome", function() error("a dry replay ran a step") end)
    ctx:sleep("1d")
    local r = ctx:step("day-1", function() error("a dry replay ran a step") end)
    ctx:sleep("1d")
    ctx:step("day-2", function() return 2 end)
    return r
  end })lua");
  EXPECT_TRUE(compatible) << compatible.error().to_string();

  auto reordered = dry_replay_as("old", R"lua(return { run = function(ctx)
    ctx:sleep("1d")
    ctx:step("welcome", function() return 1 end)
  end })lua");
  ASSERT_FALSE(reordered);
  EXPECT_EQ(
      reordered.error().to_string().rfind(
          "non_determinism: w.lua:2: sleep does not match journal entry #1 (step_completed \"welcome\")", 0),
      0u)
      << reordered.error().to_string();

  auto patched = dry_replay_as("old", kDripWithFix);
  EXPECT_TRUE(patched) << patched.error().to_string();

  auto failing = dry_replay_as("old", R"lua(return { run = function(ctx)
    ctx:step("welcome", function() return 1 end)
    local x = nil
    return x.y
  end })lua");
  ASSERT_FALSE(failing);
  EXPECT_NE(failing.error().message.find("w.lua:4: attempt to index a nil value"), std::string::npos)
      << failing.error().to_string();

  // Nothing was written, and the instance goes on as before.
  EXPECT_EQ(h.history("old").size(), entries);
  h.advance(kDayMs);
  EXPECT_EQ(h.status("old"), InstanceStatus::kCompleted) << last_error("old");
  EXPECT_EQ(result("old"), "old");
}

TEST_F(LuaWorkflowTest, DryReplayOfAPatchedJournalNeedsThePatchedVersion) {
  add("w", kDripWithFix);
  h.open();
  ASSERT_TRUE(h.start("w", "new"));
  h.advance(kDayMs);
  h.advance(kDayMs);
  ASSERT_EQ(h.status("new"), InstanceStatus::kCompleted) << last_error("new");
  auto same = dry_replay_as("new", kDripWithFix);
  EXPECT_TRUE(same) << same.error().to_string();
  auto before_fix = dry_replay_as("new", kDripBeforeFix);
  ASSERT_FALSE(before_fix);
  EXPECT_NE(before_fix.error().message.find(
                "w.lua:4: step \"day-1\" does not match journal entry #5 (step_completed \"day-1-v2\")"),
            std::string::npos)
      << before_fix.error().message;
}

TEST_F(LuaWorkflowTest, ValidateRefusesAStartAndNothingIsStored) {
  add("w", R"lua(return {
    run = function(ctx, input) return { name = input.name, greeting = input.greeting } end,
    validate = function(input)
      if type(input.name) ~= "string" then error("input.name must be a string", 0) end
      input.greeting = input.greeting or "hello"
      return input
    end,
  })lua");
  h.open();
  auto refused = h.start("w", "w1", {{"name", 5}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("input.name must be a string"), std::string::npos);
  EXPECT_FALSE(h.describe("w1"));
  ASSERT_TRUE(h.start("w", "w2", {{"name", "ada"}}));
  EXPECT_EQ(result("w2"), (nlohmann::json{{"name", "ada"}, {"greeting", "hello"}}));
  auto stored = h.describe("w2");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->input["greeting"], "hello");
}

TEST_F(LuaWorkflowTest, AScriptsConcurrencyGivesItsStartsAKeyFromTheirInput) {
  add("recompute", R"lua(return {
    run = function(ctx, input) ctx:wait("go") return input end,
    concurrency = function(input)
      if input.assignee == nil then return nil end
      return { key = "assignee:" .. input.assignee, on_busy = "coalesce" }
    end,
  })lua");
  add("bad", R"lua(return {
    run = function(ctx, input) return input end,
    concurrency = function(input) return { key = "" } end,
  })lua");
  add("fixed",
      R"lua(return { run = function(ctx, input) ctx:wait("go") end, concurrency = { key = "one" } })lua");
  h.open();
  ASSERT_TRUE(h.start("recompute", "r1", {{"assignee", 42}, {"n", 1}}));
  auto second = h.start("recompute", "r2", {{"assignee", 42}, {"n", 2}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, InstanceStatus::kQueued);
  auto third = h.start("recompute", "r3", {{"assignee", 42}, {"n", 3}});
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->coalesced) << "the derived key coalesces as a given one would";
  EXPECT_EQ(h.status("r2"), InstanceStatus::kQueued);
  EXPECT_EQ(h.describe("r2")->input["n"], 3);
  ASSERT_TRUE(h.start("recompute", "other", {{"assignee", 7}}));
  EXPECT_EQ(h.status("other"), InstanceStatus::kWaiting) << "another key runs at once";
  ASSERT_TRUE(h.start("recompute", "none", nlohmann::json::object()));
  EXPECT_EQ(h.status("none"), InstanceStatus::kWaiting) << "nil: no key";
  ASSERT_TRUE(h.start("fixed", "f1", nullptr));
  EXPECT_EQ(h.start("fixed", "f2", nullptr)->status, InstanceStatus::kQueued) << "a table: one key for all";
  auto refused = h.start("bad", "b1", nullptr);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("concurrency.key"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(h.describe("b1"));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST_F(LuaWorkflowTest, ADirectoryOfScriptsBecomesWorkflowTypes) {
  std::string dir = h.dir.sub("scripts");
  std::filesystem::create_directories(dir);
  write_file(dir + "/greet.lua", kMinimalScript);
  write_file(dir + "/count.lua", "return { run = function(ctx, input) return { n = input.n + 1 } end }");
  write_file(dir + "/README.md", "not a script");
  auto types = load_lua_workflows(dir, h.registry, options());
  ASSERT_TRUE(types) << types.error().message;
  EXPECT_EQ(*types, (std::vector<std::string>{"count", "greet"}));
  h.open();
  ASSERT_TRUE(h.start("count", "c1", {{"n", 41}}));
  EXPECT_EQ(result("c1"), (nlohmann::json{{"n", 42}}));
  ASSERT_TRUE(h.start("greet", "g1", {{"name", "ada"}}));
  EXPECT_EQ(h.status("g1"), InstanceStatus::kWaiting);
}

TEST_F(LuaWorkflowTest, ADirectoryWithABrokenScriptRegistersNothing) {
  std::string dir = h.dir.sub("scripts");
  std::filesystem::create_directories(dir);
  write_file(dir + "/a.lua", "return { run = function() end }");
  write_file(dir + "/b.lua", "return {\n  run = function()\n    if then end\n  end }\n");
  auto types = load_lua_workflows(dir, h.registry, options());
  ASSERT_FALSE(types);
  EXPECT_EQ(types.error().message.rfind("b.lua:3:", 0), 0u) << types.error().message;
  EXPECT_EQ(h.registry.find("a"), nullptr);
}

TEST_F(LuaWorkflowTest, ALoadedScriptsValidateChecksItsStarts) {
  std::string dir = h.dir.sub("scripts");
  std::filesystem::create_directories(dir);
  write_file(dir + "/strict.lua", R"lua(return {
    run = function(ctx, input) return input end,
    validate = function(input) if input.n == nil then error("n is required", 0) end end,
  })lua");
  ASSERT_TRUE(load_lua_workflows(dir, h.registry, options()));
  h.open();
  auto refused = h.start("strict", "s1", nlohmann::json::object());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "n is required");
  ASSERT_TRUE(h.start("strict", "s2", {{"n", 1}}));
  EXPECT_EQ(result("s2"), (nlohmann::json{{"n", 1}}));
}

TEST_F(LuaWorkflowTest, AScriptWhoseNameIsNoTypeNameOrAMissingDirectoryIsRefused) {
  std::string dir = h.dir.sub("scripts");
  std::filesystem::create_directories(dir);
  write_file(dir + "/my greet.lua", "return { run = function() end }");
  auto types = load_lua_workflows(dir, h.registry, options());
  ASSERT_FALSE(types);
  EXPECT_EQ(types.error().message.rfind("my greet.lua: ", 0), 0u) << types.error().message;
  auto missing = load_lua_workflows(h.dir.sub("nowhere"), h.registry, options());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nowhere"), std::string::npos) << missing.error().message;
}

// A step names its send window in its options: by name, as a table, or
// false for none (docs/send-windows.md).
TEST_F(LuaWorkflowTest, AStepNamesItsSendWindow) {
  add("windowed", R"lua(
return {
  run = function(ctx, input)
    local a = ctx:step("at-night", function() return "a" end, { window = "night" })
    local b = ctx:step("morning", function() return "b" end, { window = { from = "09:00", to = "10:00" } })
    local c = ctx:step("any-time", function() return "c" end, { window = false })
    return a .. b .. c
  end,
}
)lua");
  add("bad_window", R"lua(
return { run = function(ctx) return ctx:step("x", function() return 1 end, { window = true }) end }
)lua");
  SendWindow night;
  night.from_minute = 22 * 60;
  night.to_minute = 6 * 60;
  night.name = "night";
  h.options.send_windows.named["night"] = night;
  h.options.send_windows.by_type["windowed"] = night;  // "any-time" would wait for it without window = false
  h.open();  // the ManualClock starts at 2026-01-01T00:00:00Z: night
  ASSERT_TRUE(h.start("windowed", "w"));
  EXPECT_EQ(h.status("w"), InstanceStatus::kWaiting);
  auto d = h.describe("w");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step_name, "morning");
  EXPECT_EQ(d->timer_due, h.clock.now_ms() + 9 * kHourMs);
  h.advance(9 * kHourMs);
  EXPECT_EQ(result("w"), "abc");
  size_t deferred = 0;
  for (const auto& e : h.history("w")) deferred += e.kind == EntryKind::kStepDeferred;
  EXPECT_EQ(deferred, 1u);

  ASSERT_TRUE(h.start("bad_window", "bad"));
  EXPECT_EQ(h.status("bad"), InstanceStatus::kFailed);
  EXPECT_NE(last_error("bad").find("ctx:step: window must be a window's name, a window table, or false for none"),
            std::string::npos)
      << last_error("bad");
}

// Issue 22: a script declares the business keys its instances are found
// by; names, name = "path" pairs; a bad declaration does not load.
TEST_F(LuaWorkflowTest, SearchAttributesAreDeclaredByTheScriptAndIndexedAtStart) {
  add("signup", R"lua(
return {
  search_attributes = { "email", booking_uid = "booking.uid" },
  run = function(ctx, input) ctx:wait({ "go" }) end,
}
)lua");
  h.open();
  ASSERT_TRUE(h.start("signup", "s1", {{"email", "ada@example.com"}, {"booking", {{"uid", "bk-7"}}}}));
  ListQuery q;
  q.attr = SearchAttribute{"booking_uid", "bk-7"};
  auto page = h.list(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->instances.size(), 1u);
  EXPECT_EQ(page->instances[0].search_attributes,
            (std::vector<SearchAttribute>{{"booking_uid", "bk-7"}, {"email", "ada@example.com"}}));

  for (const auto& [declaration, problem] : std::vector<std::pair<std::string, std::string>>{
           {"\"email\"", "search_attributes must be a table"},
           {"{ 7 }", "each entry is a name or name = \"input.path\""},
           {"{ Email = \"email\" }", "must be 1 to 64 characters of a-z, 0-9 and _"},
           {"{ a = \"x..y\" }", "must be input field names joined by dots"}}) {
    auto loaded = LuaScript::load(
        "bad", "return { search_attributes = " + declaration + ", run = function(ctx) end }", "bad.lua", options());
    ASSERT_FALSE(loaded) << declaration;
    EXPECT_NE(loaded.error().message.find("bad.lua: search_attributes"), std::string::npos) << loaded.error().message;
    EXPECT_NE(loaded.error().message.find(problem), std::string::npos) << loaded.error().message;
  }
}

}  // namespace
}  // namespace sundial::lua
