#include "workflows/lua/sandbox.h"

#include <cstdlib>
#include <exception>

#include <lua.hpp>

#include "workflows/lua/bounded_patterns.h"
#include "workflows/lua/check_lib.h"
#include "workflows/lua/dates_lib.h"
#include "workflows/lua/effects/template_lib.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

// The hook runs every this many instructions; the budget is charged in
// these steps.
constexpr int kHookEvery = 1000;

const char* const kSafeGlobalsKey = "sundial.safe_globals";

int read_only_error(lua_State* L) { return luaL_error(L, "attempt to modify a read-only library table"); }

// Pushes a read-only proxy of the table on top (which it replaces): reads go
// to the table, writes raise, and the proxy's metatable cannot be read or
// replaced.
void make_read_only_proxy(lua_State* L) {
  lua_newtable(L);           // lib proxy
  lua_createtable(L, 0, 3);  // lib proxy mt
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, read_only_error);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);  // lib proxy
  lua_remove(L, -2);        // proxy
}

// Copies the fields `names` of the global library `lib` into a new table
// (pushed).
void push_copy(lua_State* L, const char* lib, std::initializer_list<const char*> names) {
  lua_getglobal(L, lib);
  lua_createtable(L, 0, static_cast<int>(names.size()));
  for (const char* name : names) {
    lua_getfield(L, -2, name);
    lua_setfield(L, -2, name);
  }
  lua_remove(L, -2);
}

// setmetatable without __gc (finalizers run with hooks off, outside any
// budget) or __mode (weak tables make behaviour depend on GC timing).
int safe_setmetatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    for (const char* field : {"__gc", "__mode"}) {
      lua_pushstring(L, field);
      if (lua_rawget(L, 2) != LUA_TNIL) {
        return luaL_error(L, "setmetatable: %s is not allowed in workflow scripts", field);
      }
      lua_pop(L, 1);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace

Error abort_error(Abort abort, const LuaLimits& limits) {
  switch (abort) {
    case Abort::kBudget:
      return Error{ErrorCode::kBudgetExceeded, "the script ran more than " +
                                                   std::to_string(limits.instructions_per_activation) +
                                                   " Lua instructions without waiting"};
    case Abort::kMemory:
      return Error{ErrorCode::kMemoryExceeded, "the script needed more than " +
                                                   std::to_string(limits.memory_per_activation) +
                                                   " bytes in one activation (or its Lua state more than " +
                                                   std::to_string(limits.memory_per_state) + ")"};
    case Abort::kNone:
      break;
  }
  return Error{ErrorCode::kInternal, "no limit was exceeded"};
}

std::string abort_message(Abort abort, const LuaLimits& limits) {
  return abort_error(abort, limits).to_string();
}

std::string error_text(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TSTRING:
      return lua_tostring(L, index);
    case LUA_TNUMBER: {
      lua_pushvalue(L, index);
      std::string out = lua_tostring(L, -1);
      lua_pop(L, 1);
      return out;
    }
    case LUA_TTABLE: {
      lua_pushliteral(L, "message");
      if (lua_rawget(L, index < 0 ? index - 1 : index) == LUA_TSTRING) {
        std::string out = lua_tostring(L, -1);
        lua_pop(L, 1);
        return out;
      }
      lua_pop(L, 1);
      return "(error object is a table value)";
    }
    default:
      return std::string("(error object is a ") + luaL_typename(L, index) + " value)";
  }
}

std::string traceback(lua_State* L, lua_State* thread, const std::string& message) {
  luaL_traceback(L, thread, message.c_str(), 0);
  std::string out = lua_tostring(L, -1);
  lua_pop(L, 1);
  return out;
}

Result<std::unique_ptr<LuaSandbox>> LuaSandbox::create(const LuaLimits& limits) {
  std::unique_ptr<LuaSandbox> sandbox(new LuaSandbox(limits));
  sandbox->budget_message_ = abort_message(Abort::kBudget, limits);
  sandbox->memory_message_ = abort_message(Abort::kMemory, limits);
  sandbox->L_ = lua_newstate(&LuaSandbox::allocate, sandbox.get());
  if (sandbox->L_ == nullptr)
    return make_error(ErrorCode::kInternal, "cannot create a Lua state (out of memory)");
  auto built = sandbox->protect([&](lua_State*) { sandbox->build_globals(); });
  if (!built) return std::unexpected(built.error());
  return sandbox;
}

LuaSandbox::~LuaSandbox() {
  if (L_ != nullptr) lua_close(L_);
}

LuaSandbox& LuaSandbox::of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<LuaSandbox*>(ud);
}

void* LuaSandbox::allocate(void* ud, void* ptr, size_t osize, size_t nsize) noexcept {
  auto* self = static_cast<LuaSandbox*>(ud);
  size_t old = ptr != nullptr ? osize : 0;
  Activation* a = self->current_;
  if (nsize == 0) {
    std::free(ptr);
    self->used_ -= old;
    if (a != nullptr) a->bytes -= static_cast<int64_t>(old);
    return nullptr;
  }
  if (nsize > old) {
    size_t grow = nsize - old;
    bool state_full = self->used_ + grow > self->limits_.memory_per_state;
    bool activation_full = a != nullptr && a->bytes + static_cast<int64_t>(grow) >
                                               static_cast<int64_t>(self->limits_.memory_per_activation);
    if (state_full || activation_full) {
      if (a != nullptr && a->abort == Abort::kNone) a->abort = Abort::kMemory;
      return nullptr;
    }
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  self->used_ = self->used_ - old + nsize;
  if (a != nullptr) a->bytes += static_cast<int64_t>(nsize) - static_cast<int64_t>(old);
  return p;
}

void LuaSandbox::count_hook(lua_State* L, lua_Debug*) {
  Activation* a = of(L).current_;
  if (a == nullptr) return;
  if (a->abort == Abort::kNone) {
    a->instructions_left -= kHookEvery;
    if (a->instructions_left > 0) return;
    a->abort = Abort::kBudget;
  }
  // Out of budget (or memory): stop. Yielding the activation's own thread
  // cannot be caught by pcall; elsewhere an error is raised, and every
  // catcher re-raises it (guarded_call).
  if (L == a->thread && lua_isyieldable(L)) {
    lua_yield(L, 0);
    return;
  }
  of(L).raise_abort(L, a->abort);
}

void LuaSandbox::charge(lua_State* L, int steps) {
  Activation* a = of(L).current_;
  if (a == nullptr) return;
  if (a->abort == Abort::kNone) {
    a->instructions_left -= steps;
    if (a->instructions_left > 0) return;
    a->abort = Abort::kBudget;
  }
  of(L).raise_abort(L, a->abort);
}

extern "C" void sundial_lua_charge(lua_State* L, int steps) { LuaSandbox::charge(L, steps); }

// The messages are members so that nothing with a destructor is alive when
// luaL_error longjmps.
int LuaSandbox::raise_abort(lua_State* L, Abort abort) {
  const std::string& message = abort == Abort::kMemory ? memory_message_ : budget_message_;
  return luaL_error(L, "%s", message.c_str());
}

// pcall, xpcall, coroutine.resume and coroutine.close through this: the
// original (upvalue 1) runs, and its caught error is raised again if the
// activation has been aborted.
int LuaSandbox::guarded_continue(lua_State* L, int, lua_KContext) {
  Activation* a = of(L).current_;
  if (a != nullptr && a->abort != Abort::kNone) return of(L).raise_abort(L, a->abort);
  return lua_gettop(L);
}

// xpcall's message handler through this: once the activation is aborted
// the user's handler is not run. (An error raised by the count hook is
// handled with hooks off, so a looping handler would never be stopped.)
int LuaSandbox::guarded_handler(lua_State* L) {
  Activation* a = of(L).current_;
  if (a != nullptr && a->abort != Abort::kNone) {
    lua_settop(L, 1);
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int LuaSandbox::guarded_xpcall(lua_State* L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, &LuaSandbox::guarded_handler, 1);
  lua_replace(L, 2);
  return guarded_call(L);
}

int LuaSandbox::guarded_call(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, &LuaSandbox::guarded_continue);
  return guarded_continue(L, LUA_OK, 0);
}

void LuaSandbox::build_globals() {
  lua_State* L = L_;
  luaL_openlibs(L);

  // The real string library loses dump; the string metatable is locked.
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  sundial_lua_set_bounded_patterns(L);  // find, match, gmatch, gsub charge the budget
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  lua_newtable(L);  // safe globals
  for (const char* name : {"assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen",
                           "select", "tonumber", "tostring", "type", "getmetatable", "_VERSION"}) {
    lua_getglobal(L, name);
    lua_setfield(L, -2, name);
  }
  lua_getglobal(L, "pcall");
  lua_pushcclosure(L, &LuaSandbox::guarded_call, 1);
  lua_setfield(L, -2, "pcall");
  lua_getglobal(L, "xpcall");
  lua_pushcclosure(L, &LuaSandbox::guarded_xpcall, 1);
  lua_setfield(L, -2, "xpcall");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, safe_setmetatable, 1);
  lua_setfield(L, -2, "setmetatable");

  lua_getglobal(L, "string");  // dump is gone already
  make_read_only_proxy(L);
  lua_setfield(L, -2, "string");

  lua_getglobal(L, "table");
  make_read_only_proxy(L);
  lua_setfield(L, -2, "table");

  lua_getglobal(L, "utf8");
  make_read_only_proxy(L);
  lua_setfield(L, -2, "utf8");

  push_copy(L, "math", {"abs",        "ceil", "floor",      "fmod", "huge", "log",  "exp",       "max",
                        "maxinteger", "min",  "mininteger", "modf", "pi",   "sqrt", "tointeger", "type",
                        "ult",        "sin",  "cos",        "tan",  "asin", "acos", "atan"});
  make_read_only_proxy(L);
  lua_setfield(L, -2, "math");

  push_copy(L, "coroutine", {"create", "isyieldable", "running", "status", "wrap", "yield"});
  for (const char* name : {"resume", "close"}) {
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    lua_pushcclosure(L, &LuaSandbox::guarded_call, 1);
    lua_setfield(L, -2, name);
  }
  make_read_only_proxy(L);
  lua_setfield(L, -2, "coroutine");

  push_json_library(L, limits_.max_json_bytes);
  make_read_only_proxy(L);
  lua_setfield(L, -2, "json");

  push_template_library(L, limits_.max_json_bytes);
  make_read_only_proxy(L);
  lua_setfield(L, -2, "template");

  push_check_library(L);
  make_read_only_proxy(L);
  lua_setfield(L, -2, "check");

  push_dates_library(L);
  make_read_only_proxy(L);
  lua_setfield(L, -2, "dates");

  // The metatable every instance environment shares: reads fall through to
  // the safe globals; the metatable itself is hidden.
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  env_meta_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  lua_setfield(L, LUA_REGISTRYINDEX, kSafeGlobalsKey);
}

namespace {

struct ProtectedCall {
  const std::function<void(lua_State*)>* fn;
};

int run_protected(lua_State* L) {
  auto* call = static_cast<ProtectedCall*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  bool failed = false;
  try {
    (*call->fn)(L);
  } catch (const std::exception& e) {
    lua_pushstring(L, e.what());
    failed = true;
  } catch (...) {
    lua_pushliteral(L, "unknown C++ exception");
    failed = true;
  }
  if (failed) return lua_error(L);
  return 0;
}

// The script's text inside a function taking its environment: compiled
// once, each call of it runs the script's top level with the _ENV it is
// given, and every closure it makes shares the prototypes compiled here.
// The prefix adds no line, so lines and messages name the script's own
// lines; `...` stays legal at the top level, as in a chunk.
std::string factory_source(std::string_view source) {
  std::string out;
  out.reserve(source.size() + 48);
  out += "return function(_ENV, ...) ";
  out += source;
  out += "\nend";
  return out;
}

}  // namespace

Result<void> LuaSandbox::protect(const std::function<void(lua_State*)>& fn) {
  ProtectedCall call{&fn};
  int top = lua_gettop(L_);
  if (!lua_checkstack(L_, 4)) return make_error(ErrorCode::kInternal, "Lua stack overflow");
  lua_pushcfunction(L_, run_protected);
  lua_pushlightuserdata(L_, &call);
  int status = lua_pcall(L_, 1, 0, 0);
  if (status != LUA_OK) {
    std::string message = lua_type(L_, -1) == LUA_TSTRING ? lua_tostring(L_, -1) : "Lua error";
    lua_settop(L_, top);
    return make_error(ErrorCode::kInternal, std::move(message));
  }
  lua_settop(L_, top);
  return ok();
}

Result<void> LuaSandbox::compile(std::string_view source, const std::string& chunkname) {
  std::string error;
  int factory = LUA_NOREF;
  auto done = protect([&](lua_State* L) {
    const std::string name = "@" + chunkname;
    // The text alone first: its errors are the ones the author must see,
    // and a text that is a valid chunk closes every block it opens, so
    // inside the factory it cannot end the function early and run code
    // outside it (an `end` of its own is a syntax error here).
    int status = luaL_loadbufferx(L, source.data(), source.size(), name.c_str(), "t");
    if (status != LUA_OK) {
      error = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "cannot load the script";
      return;
    }
    lua_pop(L, 1);
    const std::string wrapped = factory_source(source);
    status = luaL_loadbufferx(L, wrapped.data(), wrapped.size(), name.c_str(), "t");
    if (status != LUA_OK) {  // e.g. one local too many at the top level
      error = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "cannot load the script";
      return;
    }
    // The wrapper's own _ENV is never used; it gets none.
    lua_pushnil(L);
    if (lua_setupvalue(L, -2, 1) == nullptr) lua_pop(L, 1);
    lua_call(L, 0, 1);  // runs `return function ... end`: makes the factory
    if (!lua_isfunction(L, -1)) {
      error = chunkname + ": the script cannot be compiled";
      return;
    }
    factory = luaL_ref(L, LUA_REGISTRYINDEX);
  });
  if (!done) return std::unexpected(done.error());
  if (!error.empty()) return make_error(ErrorCode::kInvalidArgument, std::move(error));
  if (factory_ref_ != LUA_NOREF) luaL_unref(L_, LUA_REGISTRYINDEX, factory_ref_);
  factory_ref_ = factory;
  return ok();
}

lua_State* LuaSandbox::push_thread(lua_State* L) {
  lua_State* thread = lua_newthread(L);
  lua_sethook(thread, &LuaSandbox::count_hook, LUA_MASKCOUNT, kHookEvery);
  return thread;
}

lua_State* LuaSandbox::push_scratch_thread(lua_State* L) {
  if (spare_thread_ref_ == LUA_NOREF) return push_thread(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, spare_thread_ref_);
  luaL_unref(L, LUA_REGISTRYINDEX, spare_thread_ref_);
  spare_thread_ref_ = LUA_NOREF;
  lua_State* thread = lua_tothread(L, -1);
  // Re-armed so that the first hook of the new run comes after a full
  // kHookEvery instructions, as on a new thread (the budget's accounting).
  lua_sethook(thread, &LuaSandbox::count_hook, LUA_MASKCOUNT, kHookEvery);
  return thread;
}

void LuaSandbox::recycle(lua_State* thread, const Resumed& r) {
  if (r.status != LUA_OK || r.abort != Abort::kNone || spare_thread_ref_ != LUA_NOREF) return;
  // Returned: no frame, no open upvalue; with an empty stack its status is
  // "dead" to a script that kept a reference to it (coroutine.running),
  // which can therefore neither resume it nor see what runs on it next.
  lua_settop(thread, 0);
  if (!lua_checkstack(L_, 1)) return;
  lua_pushthread(thread);
  lua_xmove(thread, L_, 1);
  spare_thread_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
}

void LuaSandbox::push_env(lua_State* L) {
  lua_createtable(L, 0, 4);
  lua_rawgeti(L, LUA_REGISTRYINDEX, env_meta_ref_);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");
}

void LuaSandbox::push_chunk(lua_State* L) {
  if (factory_ref_ == LUA_NOREF) luaL_error(L, "no script is compiled");
  lua_rawgeti(L, LUA_REGISTRYINDEX, factory_ref_);
  lua_insert(L, -2);  // factory env
}

LuaSandbox::Resumed LuaSandbox::resume(lua_State* thread, int nargs, int64_t instructions) {
  Activation activation;
  activation.thread = thread;
  activation.instructions_left = instructions > 0 ? instructions : limits_.instructions_per_activation;
  Activation* outer = current_;
  current_ = &activation;
  Resumed out;
  out.status = lua_resume(thread, L_, nargs, &out.nresults);
  current_ = outer;
  out.abort = activation.abort;
  return out;
}

}  // namespace sundial::lua
