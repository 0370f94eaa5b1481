// Effects: ctx methods backed by C++ connectors or engine services
// (ctx:http, ctx:email, ctx:task, ctx:notion, ctx:kv, ctx:github,
// ctx:publish, ctx:critical_path). All share one calling convention and
// one path through the engine:
//
//   local r = ctx:<effect>("step-name", { ...effect fields...,
//                                         attempts =, backoff =, max_backoff = })
//
// Each call is a durable step named by its first argument: its result is
// journaled (a replay returns it without running anything), a failed
// attempt is retried per the retry fields (a provider's Retry-After is
// honoured), and the step's idempotency key ("<instance>/<step name>") is
// what the effect hands the provider for dedupe.
//
// Adding an effect is one Effect value (a name and a build function that
// reads the table and returns the step body) and one row in the ctx method
// table (instance.cc): `{"http", c_function<ctx_effect<kHttpEffect>>}`.
// An effect that is CPU work (ctx:critical_path) gives build_blocking
// instead: its step runs on the engine's blocking-step pool, off the loop
// (Context::step_blocking), and must touch nothing but what it captured.
// The build function runs when the script calls the method (also on
// replay), so it must only read its arguments: the work happens in the
// returned AsyncStepFn, on the loop thread, when the step runs.
//
// Threading: loop thread. Ownership: the step body owns copies of what it
// needs (never the Lua state); connectors are borrowed from LuaEffects for
// the daemon's life.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/flow/limiters.h"
#include "connectors/http/outbound_policy.h"
#include "engine/runtime/context.h"
#include "workflows/lua/effects/secret_ref.h"

struct lua_State;

namespace sundial {
class AsyncHttpClient;
class NotionClient;
class KvService;
class GitHubClient;
class TopicService;
struct EmailDeps;
}  // namespace sundial

namespace sundial::lua {

// What the effects may use: set by the daemon (the lead wires `[workflows]`
// config to these fields; docs/configuration.md). Defaults are safe: no
// connector means the effect's step fails with a clear message.
struct LuaEffects {
  // ctx:http's client. None: every ctx:http step fails for good.
  AsyncHttpClient* http = nullptr;
  // The shared rate limiters ctx:http's `limit` names ([limits.<name>]).
  // None: a `limit` is refused as undeclared.
  Limiters* limiters = nullptr;
  // `[workflows] http_allow`. Default: any public host (OutboundPolicy()).
  std::shared_ptr<const OutboundPolicy> http_policy = std::make_shared<OutboundPolicy>();
  // `[workflows] http_max_response_bytes`. Default: 1 MiB.
  size_t http_max_response_bytes = 1u << 20;
  // `[workflows] secrets`: the environment variables ctx:secret may name.
  // Default: none. The admin token's variable is never readable.
  SecretPolicy secrets;
  // ctx:email's templates, sender and Resend client (`[workflows]
  // templates_dir`, `email_from`). None: every ctx:email step fails for good.
  std::shared_ptr<const EmailDeps> email;
  // ctx:notion's client ([notion], $NOTION_TOKEN). None: every ctx:notion
  // step fails for good.
  NotionClient* notion = nullptr;
  // ctx:kv's store: the engine's (ScriptCatalog::open sets it). None:
  // every ctx:kv step fails for good.
  KvService* kv = nullptr;
  // ctx:github's client ([github], $GITHUB_TOKEN). None: every ctx:github
  // step fails for good.
  GitHubClient* github = nullptr;
  // ctx:publish's event bus: the engine's (ScriptCatalog::open sets it).
  // None: every ctx:publish step fails for good.
  TopicService* topics = nullptr;
};

// What a build function gets besides the Lua arguments.
struct EffectEnv {
  const LuaEffects& effects;
  size_t max_result_bytes;  // the sandbox's max_json_bytes
  const TaskRunner& tasks;  // the instance's Context::task_runner(): ctx:task
};

// Builds the step body from the options table at index 3 of L (the step
// name at index 2 is checked already). Throws LuaValueError for a bad
// argument; reads the table raw (no metamethod runs).
using EffectBuild = AsyncStepFn (*)(lua_State* L, const EffectEnv& env);
// The same for an effect whose step runs on the blocking-step pool.
using BlockingEffectBuild = SyncStepFn (*)(lua_State* L, const EffectEnv& env);

struct Effect {
  const char* method;  // "http": the error messages say ctx:http
  EffectBuild build;
  // The retry fields belong to what the effect starts (ctx:task: the
  // task's attempts and backoff), so its step makes one attempt.
  bool retries_elsewhere = false;
  BlockingEffectBuild build_blocking = nullptr;  // instead of build
};

extern const Effect kHttpEffect;
extern const Effect kEmailEffect;
extern const Effect kTaskEffect;
extern const Effect kNotionEffect;
extern const Effect kKvEffect;
extern const Effect kGitHubEffect;
extern const Effect kPublishEffect;
extern const Effect kCriticalPathEffect;

// ---- Helpers for build functions -------------------------------------------

// Pushes field `name` of the table at `index`, read raw; returns its type.
int raw_field(lua_State* L, int index, const char* name);
// A duration at `index`: milliseconds or text such as "90s", "1h30m".
DurationMs effect_duration(lua_State* L, int index, const std::string& what);
// The retry fields of the options table: attempts, backoff, max_backoff.
RetryPolicy effect_retry_policy(lua_State* L, int index, const std::string& method);
// The `window` field of the options table (the step's send window,
// engine/schedules/send_window.h): null when absent, false for none, or a
// window's name or table as JSON; the engine checks it when the step comes
// due (an unknown name fails the instance, naming the windows defined).
nlohmann::json step_window_option(lua_State* L, int index, const std::string& method);
// Refuses fields of the options table that are not in `known` or the
// common ones (attempts, backoff, max_backoff, window): a typo such as
// `header =` must not be silently ignored.
void check_known_fields(lua_State* L, int index, const std::string& method,
                        const std::vector<std::string>& known);

}  // namespace sundial::lua
