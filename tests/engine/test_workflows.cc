#include "tests/engine/test_workflows.h"

#include <stdexcept>
#include <thread>

#include "engine/base/check.h"

namespace sundial::testing {
namespace {

SyncStepFn recorded(StepLog& log, const std::string& name) {
  return [&log, name](const StepInfo& info) -> Result<nlohmann::json> {
    log.runs.push_back({info.instance_id, info.step_name, info.attempt, log.clock.now_ms()});
    if (auto it = log.failures.find(name); it != log.failures.end() && info.attempt <= it->second.first) {
      return make_error(it->second.second, "injected failure of attempt " + std::to_string(info.attempt));
    }
    return nlohmann::json{{"attempt", info.attempt}, {"key", info.idempotency_key}};
  };
}

Workflow<void> sequence(Context& ctx, StepLog& log) {
  const auto& offsets = ctx.input()["offsets_ms"];
  for (size_t i = 0; i < offsets.size(); ++i) {
    co_await ctx.sleep_until(ctx.started_at() + offsets[i].get<DurationMs>());
    if (ctx.has_signal("booked")) co_return;
    std::string name = "send-" + std::to_string(i + 1);
    RetryPolicy policy{.max_attempts = 3, .initial_backoff = 1000};
    co_await ctx.step(name, recorded(log, name), policy);
  }
}

Workflow<void> wait_for_go(Context& ctx, StepLog& log) {
  if (ctx.input().contains("sleep_ms")) co_await ctx.sleep_for(ctx.input()["sleep_ms"].get<DurationMs>());
  std::optional<DurationMs> timeout;
  if (ctx.input().contains("timeout_ms")) timeout = ctx.input()["timeout_ms"].get<DurationMs>();
  std::vector<std::string> names{"go", "stop"};
  SignalResult got = co_await ctx.wait_any(names, timeout);
  std::string name = "after-" + (got.timed_out ? std::string("timeout") : got.name);
  co_await ctx.step(name, recorded(log, name));
}

Workflow<void> flaky(Context& ctx, StepLog& log) {
  RetryPolicy policy{.max_attempts = 3, .initial_backoff = 1000, .jitter = false};
  co_await ctx.step("call", recorded(log, "call"), policy);
}

Workflow<void> versioned(Context& ctx, StepLog& log, const int* version) {
  std::string name = "v" + std::to_string(*version) + "-a";
  co_await ctx.step(name, recorded(log, name));
  co_await ctx.sleep_for(kHourMs);
  co_await ctx.step("b", recorded(log, "b"));
}

Workflow<void> random_id(Context& ctx, StepLog& log) {
  std::string drawn = ctx.uuid();
  co_await ctx.sleep_for(kMinuteMs);
  // A named local, not a temporary: GCC 12 destroys temporaries with
  // non-trivial destructors twice inside co_await (see context.h).
  auto record_draw = [&log, drawn](const StepInfo& info) -> Result<nlohmann::json> {
    log.runs.push_back({info.instance_id, drawn, info.attempt, log.clock.now_ms()});
    return nlohmann::json(drawn);
  };
  co_await ctx.step("r", record_draw);
}

Workflow<void> countdown(Context& ctx, StepLog& log) {
  int64_t n = ctx.input().value("n", int64_t{0});
  co_await ctx.sleep_for(kSecondMs);
  std::string name = "tick-" + std::to_string(n);
  co_await ctx.step(name, recorded(log, name));
  if (n > 0) {
    ctx.continue_as_new({{"n", n - 1}});
  } else {
    ctx.set_result("liftoff");
  }
}

Workflow<void> parent(Context& ctx) {
  const nlohmann::json& in = ctx.input();
  std::vector<std::string> children;
  for (int i = 1; i <= in.value("children", 1); ++i) {
    std::optional<std::string> id;  // the first child's id, when the input names one
    if (i == 1 && in.contains("child_id")) id = in["child_id"].get<std::string>();
    ChildStart spec{in.value("child_type", std::string("test.wait")), std::move(id), nlohmann::json::object(),
                    in.value("detached", false)};
    nlohmann::json started = co_await ctx.start_child("start-" + std::to_string(i), std::move(spec));
    children.push_back(started["instance_id"].get<std::string>());
  }
  if (in.value("detached", false)) co_return;
  nlohmann::json ends = nlohmann::json::array();
  for (const std::string& child : children) {
    SignalResult done = co_await ctx.wait_signal(Context::child_done_signal(child));
    ends.push_back(done.payload);
  }
  ctx.set_result(std::move(ends));
}

Workflow<void> signaller(Context& ctx) {
  SignalOut go{ctx.input()["target"].get<std::string>(), "go", {{"from", ctx.instance_id()}}};
  nlohmann::json answer = co_await ctx.signal("poke", std::move(go));
  ctx.set_result(std::move(answer));
}

Workflow<void> approve_twice(Context& ctx, StepLog& log) {
  co_await ctx.sleep_for(ctx.input().value("sleep_ms", DurationMs{0}));
  for (int round = 1; round <= 2; ++round) {
    SignalResult got = co_await ctx.wait_signal("approve");
    std::string name = "approved-" + std::to_string(round) + "-by-" + got.payload.value("by", "?");
    co_await ctx.step(name, recorded(log, name));
  }
}

Workflow<void> held_then_sleep(Context& ctx, StepLog& log) {
  AsyncStepFn hold = [&log](const StepInfo&, StepDone done) { log.held.push_back(std::move(done)); };
  co_await ctx.step_async("held", hold);
  co_await ctx.sleep_until(ctx.started_at() + kHourMs);
  co_await ctx.step("after", recorded(log, "after"));
}

Workflow<void> blocking(Context& ctx, StepLog& log) {
  auto loop_thread = std::this_thread::get_id();
  bool throw_once = ctx.input().value("throw_once", false);
  SyncStepFn crunch = [loop_thread, throw_once](const StepInfo& info) -> Result<nlohmann::json> {
    if (throw_once && info.attempt == 1) throw std::runtime_error("crunch broke");
    uint64_t sum = 0;
    for (uint64_t i = 1; i <= 1000; ++i) sum += i;
    return nlohmann::json{{"sum", sum}, {"on_loop_thread", std::this_thread::get_id() == loop_thread}};
  };
  RetryPolicy once_more{.max_attempts = 2, .initial_backoff = 0, .jitter = false};
  nlohmann::json result = co_await ctx.step_blocking("crunch", crunch, once_more);
  SyncStepFn record = [&log, result](const StepInfo& info) -> Result<nlohmann::json> {
    log.runs.push_back({info.instance_id, info.step_name, info.attempt, log.clock.now_ms()});
    return result;
  };
  co_await ctx.step("record", record);
}

Workflow<void> wait_until(Context& ctx, StepLog& log) {
  std::vector<std::string> names{"stop"};
  SignalResult got = co_await ctx.wait_any_until(names, ctx.started_at() + kHourMs);
  std::string name = got.timed_out ? "after-deadline" : "after-stop";
  co_await ctx.step(name, recorded(log, name));
}

AsyncStepFn misbehaving_step(StepLog& log, std::string how) {
  return [&log, how](const StepInfo& info, StepDone done) {
    log.runs.push_back({info.instance_id, info.step_name, info.attempt, log.clock.now_ms()});
    if (how == "runtime_error") throw std::runtime_error("the step broke");
    if (how == "not_std") throw NotAnException{7};
    if (how == "bad_message") throw std::runtime_error("bad \xff\xfe bytes");
    if (how == "bad_result") return done(nlohmann::json("\xff\xfe"));
    if (how == "throw_after_done") {
      done(nlohmann::json("done"));
      throw std::runtime_error("thrown after done");
    }
    done(nlohmann::json("fine"));
  };
}

Workflow<void> misbehaving(Context& ctx, StepLog& log) {
  RetryPolicy policy{.max_attempts = 2, .initial_backoff = 1000, .jitter = false};
  AsyncStepFn call = misbehaving_step(log, ctx.input().value("how", ""));
  co_await ctx.step_async("call", call, policy);
  co_await ctx.step("after", recorded(log, "after"));
}

Workflow<void> throwing_body(Context& ctx, StepLog& log) {
  co_await ctx.step("before", recorded(log, "before"));
  throw std::logic_error("the body broke");
}

Workflow<void> bad_step_name(Context& ctx, StepLog& log) { co_await ctx.step("\xff", recorded(log, "bad")); }

Workflow<void> windowed(Context& ctx, StepLog& log) {
  if (ctx.input().contains("step_window")) ctx.set_step_window(ctx.input()["step_window"]);
  RetryPolicy policy{.max_attempts = 3, .initial_backoff = 1000, .jitter = false};
  co_await ctx.step("send", recorded(log, "send"), policy);
  co_await ctx.step("after", recorded(log, "after"));
}

}  // namespace

void register_test_workflows(Registry& registry, StepLog& log, const int* version) {
  auto must = [](Result<void> r) { SUNDIAL_CHECK(r.has_value()); };
  must(registry.add("test.sequence", "", [&log](Context& ctx) { return sequence(ctx, log); }));
  must(registry.add("test.blocking", "", [&log](Context& ctx) { return blocking(ctx, log); }));
  must(registry.add("test.wait", "", [&log](Context& ctx) { return wait_for_go(ctx, log); }));
  must(registry.add("test.flaky", "", [&log](Context& ctx) { return flaky(ctx, log); }));
  must(registry.add("test.random", "", [&log](Context& ctx) { return random_id(ctx, log); }));
  must(registry.add("test.wait_until", "", [&log](Context& ctx) { return wait_until(ctx, log); }));
  must(registry.add("test.parent", "", [](Context& ctx) { return parent(ctx); }));
  must(registry.add("test.signaller", "", [](Context& ctx) { return signaller(ctx); }));
  must(registry.add("test.countdown", "", [&log](Context& ctx) { return countdown(ctx, log); }));
  must(registry.add("test.approve_twice", "", [&log](Context& ctx) { return approve_twice(ctx, log); }));
  must(registry.add("test.held_then_sleep", "", [&log](Context& ctx) { return held_then_sleep(ctx, log); }));
  must(registry.add("test.misbehaving", "", [&log](Context& ctx) { return misbehaving(ctx, log); }));
  must(registry.add("test.throwing_body", "", [&log](Context& ctx) { return throwing_body(ctx, log); }));
  must(registry.add("test.bad_step_name", "", [&log](Context& ctx) { return bad_step_name(ctx, log); }));
  must(registry.add("test.windowed", "", [&log](Context& ctx) { return windowed(ctx, log); }));
  if (version != nullptr) {
    must(registry.add("test.versioned", "",
                      [&log, version](Context& ctx) { return versioned(ctx, log, version); }));
  }
}

}  // namespace sundial::testing
