// LuaSandbox: the Lua 5.4 state that runs the instances of one workflow
// script, with the isolation and limits user code runs under.
//
// One state per script, one coroutine thread per instance (not a state per
// instance): the script is compiled once, as a function of its _ENV (a
// factory), so every instance's closures share the compiled prototypes;
// library tables exist once, and an instance costs a thread, its closures
// and a few tables, which keeps 10,000 live instances small. Isolation inside the
// shared state:
//  - each instance's chunk gets its own _ENV (globals it sets stay its own;
//    reads fall through to the safe globals, which no script can reach);
//  - libraries are read-only proxies (writes raise, metatables are locked,
//    rawset is not offered), and the shared string metatable is locked, so
//    one instance cannot change what another sees;
//  - only string (without dump), table, math (without random/randomseed),
//    utf8, coroutine, json and the harmless base functions exist: no os, io,
//    debug, load/loadstring/dofile/require, collectgarbage or print;
//    setmetatable refuses __gc (finalizers run without the budget hook) and
//    __mode (weak tables make behaviour depend on collection timing).
//
// Limits, per activation (one resume of an instance or one step run):
//  - an instruction budget. A count hook charges it; once spent, the hook
//    yields the activation's own thread (lua_yield from a hook: the driver
//    never resumes it again), or, where a yield is impossible (inside a C
//    call such as table.sort), raises an error. pcall, xpcall,
//    coroutine.resume and coroutine.close re-raise once the activation is
//    aborted (and xpcall skips its message handler then: Lua runs the
//    handler of an error raised in a hook with hooks off), so `while true do pcall(function() while true do
//    end end) end` still ends in budget_exceeded; The hook never runs inside C functions: string.find, match,
//    gmatch and gsub are Lua's own matcher (bounded_patterns.c) charging each match step to the same budget;
//  - a memory cap on the activation's net allocation, and one on the whole
//    state, enforced by the allocator. An activation refused memory is
//    aborted (memory_exceeded) even if pcall catches the error.
//
// Threading: loop thread only (or any one thread at a time). Ownership: the
// LuaScript owns its sandbox; threads and tables created for instances are
// anchored in the Lua registry by their owners.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/base/error.h"

struct lua_State;
struct lua_Debug;

namespace sundial::lua {

struct LuaLimits {
  // Lua VM instructions one activation may run (about 5-10 ms of Lua).
  int64_t instructions_per_activation = 1'000'000;
  // Net bytes one activation may allocate.
  size_t memory_per_activation = 16u << 20;
  // Bytes the whole state (every live instance of the script) may hold.
  size_t memory_per_state = 128u << 20;
  // Serialized size of a step's result, and of json.encode/json.decode text.
  size_t max_json_bytes = 1u << 20;
  // ctx calls (steps, sleeps, waits, effects) one instance may make in its
  // life: each is journaled, and every wake replays them all.
  size_t max_journal_entries = 10'000;
  // While the state holds no more than this, its instances that wait for a
  // timer due within seconds stay in memory (WarmOptions: the fire skips
  // the reload and replay); above it they are evicted like the others, so
  // warm Lua instances cost at most this much per script.
  size_t warm_memory_per_state = 8u << 20;
};

enum class Abort { kNone, kBudget, kMemory };

// The error of an aborted activation: budget_exceeded or memory_exceeded
// (internal for kNone), and what was exceeded.
Error abort_error(Abort abort, const LuaLimits& limits);
// abort_error(...).to_string(): "budget_exceeded: ..." / "memory_exceeded: ...".
std::string abort_message(Abort abort, const LuaLimits& limits);

// The text of the error object at `index` of `L`, without running any of
// its metamethods (a table's string field `message` is used if present).
// May raise Lua errors (memory): inside protect().
std::string error_text(lua_State* L, int index);
// `message` followed by the stack traceback of `thread` (file:line frames).
std::string traceback(lua_State* L, lua_State* thread, const std::string& message);

class LuaSandbox {
 public:
  static Result<std::unique_ptr<LuaSandbox>> create(const LuaLimits& limits);
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  static LuaSandbox& of(lua_State* L);
  lua_State* state() const { return L_; }
  const LuaLimits& limits() const { return limits_; }
  size_t bytes_in_use() const { return used_; }

  // Compiles `source` (text only: binary chunks are refused) once, as a
  // factory `function(_ENV, ...) <source> end` kept for push_chunk (lines
  // unchanged: nothing is added before the script's line 1). An error
  // reads "<chunkname>:<line>: message".
  Result<void> compile(std::string_view source, const std::string& chunkname);

  // Runs `fn` on the main state in protected mode: a Lua error or a C++
  // exception inside becomes an Error (internal) instead of unwinding.
  Result<void> protect(const std::function<void(lua_State*)>& fn);

  // The following push onto `L` and may raise Lua errors: call them inside
  // protect().
  // A new thread with the budget hook installed.
  lua_State* push_thread(lua_State* L);
  // A thread for one short run (validate, a step function, a trigger's
  // map): the sandbox's spare thread if it has one, else a new one. Pushed
  // on `L`, which anchors it during the run.
  lua_State* push_scratch_thread(lua_State* L);
  // A new, empty environment whose reads fall through to the safe globals.
  void push_env(lua_State* L);
  // Replaces the environment on top of the stack with the compiled chunk
  // followed by that environment: move both to a thread and resume it with
  // one argument to run the script's top level with that _ENV.
  void push_chunk(lua_State* L);

  // Resumes `thread` with `nargs` arguments under a fresh activation of
  // `instructions` (0: limits().instructions_per_activation; webhook
  // trigger mappers run with a smaller budget).
  // Returns lua_resume's status; `abort` says whether a limit stopped it.
  struct Resumed {
    int status = 0;
    int nresults = 0;
    Abort abort = Abort::kNone;
  };
  Resumed resume(lua_State* thread, int nargs, int64_t instructions = 0);

  // After the last resume of a scratch thread (its results read): a
  // thread that returned (LUA_OK, no limit hit) is emptied and kept as the
  // spare; one that yielded, failed or was stopped is left to the
  // collector. Saves a thread and its garbage per validate and step.
  void recycle(lua_State* thread, const Resumed& r);

  // Charges work done inside a C function (pattern matching) to the running
  // activation's budget; raises budget_exceeded once it is spent.
  static void charge(lua_State* L, int steps);

 private:
  struct Activation {
    lua_State* thread = nullptr;
    int64_t instructions_left = 0;
    int64_t bytes = 0;
    Abort abort = Abort::kNone;
  };

  explicit LuaSandbox(const LuaLimits& limits) : limits_(limits) {}
  static void* allocate(void* ud, void* ptr, size_t osize, size_t nsize) noexcept;
  static void count_hook(lua_State* L, lua_Debug* ar);
  static int guarded_call(lua_State* L);
  static int guarded_xpcall(lua_State* L);
  static int guarded_handler(lua_State* L);
  static int guarded_continue(lua_State* L, int status, intptr_t ctx);
  void build_globals();
  int raise_abort(lua_State* L, Abort abort);

  LuaLimits limits_;
  lua_State* L_ = nullptr;
  size_t used_ = 0;
  Activation* current_ = nullptr;
  int factory_ref_ = -2;       // LUA_NOREF until compile()
  int spare_thread_ref_ = -2;  // LUA_NOREF when there is no spare
  int env_meta_ref_ = -1;
  std::string budget_message_;
  std::string memory_message_;
};

}  // namespace sundial::lua
