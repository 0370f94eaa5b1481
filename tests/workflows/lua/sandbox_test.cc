// The Lua sandbox: what scripts can and cannot reach, and the limits that
// stop them. Each test runs a snippet as a script's validate(input), which
// runs under the same sandbox and limits as run().
#include "workflows/lua/sandbox.h"

#include <gtest/gtest.h>

#include <string>

#include <lua.hpp>

#include "workflows/lua/script.h"

namespace sundial::lua {
namespace {

LuaLimits small_limits() {
  LuaLimits limits;
  limits.instructions_per_activation = 200'000;
  return limits;
}

std::shared_ptr<LuaScript> script_with(const std::string& body, LuaLimits limits = small_limits()) {
  LuaOptions options;
  options.limits = limits;
  auto script =
      LuaScript::load("t", "return { run = function() end, validate = function(input)\n" + body + "\nend }",
                      "t.lua", options);
  EXPECT_TRUE(script) << script.error().message;
  return script ? *script : nullptr;
}

Result<nlohmann::json> eval(const std::string& body, LuaLimits limits = small_limits()) {
  auto script = script_with(body, limits);
  if (!script) return make_error(ErrorCode::kInternal, "no script");
  return script->validate(nlohmann::json::object());
}

std::string error_of(const std::string& body, LuaLimits limits = small_limits()) {
  auto r = eval(body, limits);
  EXPECT_FALSE(r) << "expected an error, got " << (r ? r->dump() : "");
  return r ? std::string() : r.error().to_string();  // "budget_exceeded: validate: ..."
}

ErrorCode code_of(const std::string& body, LuaLimits limits = small_limits()) {
  auto r = eval(body, limits);
  return r ? ErrorCode::kInternal : r.error().code;
}

TEST(LuaSandbox, DangerousGlobalsAreAbsent) {
  auto r = eval(R"(
    local out = {}
    for _, name in ipairs({ "os", "io", "debug", "load", "loadstring", "dofile", "loadfile", "require",
                            "collectgarbage", "print", "rawset", "package", "module" }) do
      out[name] = type(_ENV[name])
    end
    out["string.dump"] = type(string.dump)
    out["(''):dump"] = type(("").dump)
    out["math.random"] = type(math.random)
    out["math.randomseed"] = type(math.randomseed)
    return out
  )");
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& [name, type] : r->items()) EXPECT_EQ(type, "nil") << name;
  EXPECT_EQ(r->size(), 17u);
}

TEST(LuaSandbox, SafeLibrariesWork) {
  auto r = eval(R"(
    local words = {}
    for w in string.gmatch("a b c", "%a") do table.insert(words, w:upper()) end
    local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
    return {
      joined = table.concat(words, ","),
      floor = math.floor(2.5),
      char = utf8.char(72, 105),
      gen = gen() + gen() + gen(),
      json = json.decode(json.encode({ a = { 1, 2, 3 } })).a[3],
      fmt = string.format("%05.1f", 3.14159),
      int = math.maxinteger,
    }
  )");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["joined"], "A,B,C");
  EXPECT_EQ((*r)["floor"], 2);
  EXPECT_EQ((*r)["char"], "Hi");
  EXPECT_EQ((*r)["gen"], 6);
  EXPECT_EQ((*r)["json"], 3);
  EXPECT_EQ((*r)["fmt"], "003.1");
  EXPECT_EQ((*r)["int"], INT64_MAX);
}

TEST(LuaSandbox, LibraryTablesAreReadOnly) {
  EXPECT_NE(error_of("string.upper = function() return 'pwned' end").find("read-only"), std::string::npos);
  EXPECT_NE(error_of("table.insert = nil").find("read-only"), std::string::npos);
  EXPECT_NE(error_of("math.floor = nil").find("read-only"), std::string::npos);
  EXPECT_NE(error_of("setmetatable(string, {})").find("protected metatable"), std::string::npos);
  auto r = eval("return { mt = getmetatable(string) }");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["mt"], false);
}

TEST(LuaSandbox, TheStringMetatableIsLocked) {
  auto r = eval("return { mt = getmetatable('') }");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["mt"], false);
  EXPECT_FALSE(eval("getmetatable('').__index = { upper = function() return 'pwned' end }"));
  EXPECT_FALSE(eval("getmetatable('').__index.upper = function() return 'pwned' end"));
  // And the string methods are intact afterwards.
  auto after = eval("return { s = ('abc'):upper() }");
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ((*after)["s"], "ABC");
}

TEST(LuaSandbox, EachRunHasItsOwnGlobals) {
  auto script = script_with(R"(
    local seen = { string = type(string), marker = marker }
    string = "replaced"
    marker = "set"
    return seen
  )");
  ASSERT_TRUE(script);
  for (int i = 0; i < 2; ++i) {
    auto r = script->validate(nlohmann::json::object());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ((*r)["string"], "table");
    EXPECT_FALSE(r->contains("marker"));
  }
}

TEST(LuaSandbox, SetmetatableRefusesFinalizersAndWeakTables) {
  EXPECT_NE(error_of("setmetatable({}, { __gc = function() while true do end end })").find("__gc"),
            std::string::npos);
  EXPECT_NE(error_of("setmetatable({}, { __mode = 'k' })").find("__mode"), std::string::npos);
  auto r =
      eval("local t = setmetatable({}, { __index = function(_, k) return k .. '!' end }) return { v = t.x }");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["v"], "x!");
}

TEST(LuaSandbox, AnEndlessLoopExceedsTheBudget) {
  EXPECT_NE(error_of("while true do end").find("budget_exceeded"), std::string::npos);
  EXPECT_EQ(code_of("while true do end"), ErrorCode::kBudgetExceeded);
  EXPECT_EQ(code_of("while true do pcall(function() while true do end end) end"), ErrorCode::kBudgetExceeded);
}

TEST(LuaSandbox, PcallCannotSwallowTheBudget) {
  EXPECT_NE(error_of("while true do pcall(function() while true do end end) end").find("budget_exceeded"),
            std::string::npos);
  EXPECT_NE(error_of("while true do xpcall(function() while true do end end, function(e) return e end) end")
                .find("budget_exceeded"),
            std::string::npos);
  // A message handler that loops itself.
  EXPECT_NE(
      error_of("while true do xpcall(error, function() while true do end end) end").find("budget_exceeded"),
      std::string::npos);
}

TEST(LuaSandbox, CoroutinesCannotSwallowTheBudget) {
  EXPECT_NE(error_of(R"(
    local co = coroutine.create(function() while true do end end)
    while true do coroutine.resume(co) end
  )")
                .find("budget_exceeded"),
            std::string::npos);
  EXPECT_NE(error_of(R"(
    while true do pcall(coroutine.wrap(function() while true do end end)) end
  )")
                .find("budget_exceeded"),
            std::string::npos);
}

TEST(LuaSandbox, ALoopInsideACCallbackExceedsTheBudget) {
  // table.sort's comparator runs under a C call: no yield is possible
  // there, so the hook raises, and pcall re-raises.
  EXPECT_NE(error_of(R"(
    local t = { 3, 1, 2 }
    table.sort(t, function(a, b) while true do pcall(function() while true do end end) end end)
  )")
                .find("budget_exceeded"),
            std::string::npos);
  EXPECT_NE(error_of(R"(
    string.gsub("aaaa", "a", function() while true do pcall(string.rep, "x", 10) end end)
  )")
                .find("budget_exceeded"),
            std::string::npos);
}

TEST(LuaSandbox, BacktrackingPatternsExceedTheBudget) {
  // Lua's matcher runs inside one C call, where the count hook never
  // fires; unbounded, each of these held the thread for more than 20 s.
  const std::string subject = "local s = string.rep('a', 20000) local p = string.rep('a*', 30) .. 'b' ";
  for (const char* call : {"string.find(s, p)", "s:find(p)", "s:match(p)", "string.gsub(s, p, 'x')",
                           "for m in s:gmatch(p) do end", "while true do pcall(string.find, s, p) end"}) {
    EXPECT_NE(error_of(subject + call).find("budget_exceeded"), std::string::npos) << call;
  }
}

TEST(LuaSandbox, PatternFunctionsKeepTheirBehaviour) {
  auto r = eval(R"lua(
    local out = {}
    out.find = { string.find("hello world", "o w") }
    out.plain = { ("a.b"):find(".", 1, true) }
    out.match = { ("key=value"):match("(%w+)=(%w+)") }
    out.gsub = { ("hello"):gsub("l", { l = "L" }) }
    out.count = select(2, string.gsub("a,b,c", ",", ";"))
    local parts = {}
    for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do parts[#parts + 1] = k .. v end
    out.gmatch = parts
    out.balanced = ("f(a(b)c)d"):match("%b()")
    out.frontier = ("THE (quick) fox"):gsub("%f[%a]%a+", "W")
    return out
  )lua");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["find"], nlohmann::json({5, 7}));
  EXPECT_EQ((*r)["plain"], nlohmann::json({2, 2}));
  EXPECT_EQ((*r)["match"], nlohmann::json({"key", "value"}));
  EXPECT_EQ((*r)["gsub"], nlohmann::json({"heLLo", 2}));
  EXPECT_EQ((*r)["count"], 2);
  EXPECT_EQ((*r)["gmatch"], nlohmann::json({"a1", "b2"}));
  EXPECT_EQ((*r)["balanced"], "(a(b)c)");
  EXPECT_EQ((*r)["frontier"], "W (W) W");
}

TEST(LuaSandbox, AStringBombExceedsTheMemoryCap) {
  EXPECT_EQ(code_of("local s = 'x' while true do s = s .. s end"), ErrorCode::kMemoryExceeded);
  EXPECT_NE(error_of("return { n = #string.rep('x', 1 << 30) }").find("memory_exceeded"), std::string::npos);
  EXPECT_NE(error_of("local ok = pcall(string.rep, 'x', 1 << 30) return { ok = ok }").find("memory_exceeded"),
            std::string::npos);
  EXPECT_NE(error_of("local s = 'x' while true do s = s .. s end").find("memory_exceeded"),
            std::string::npos);
}

TEST(LuaSandbox, TableGrowthExceedsTheMemoryCap) {
  LuaLimits limits;
  limits.instructions_per_activation = 1'000'000'000;
  limits.memory_per_activation = 4u << 20;
  EXPECT_NE(error_of("local t = {} for i = 1, 1e9 do t[i] = i end", limits).find("memory_exceeded"),
            std::string::npos);
  EXPECT_NE(
      error_of("local t = {} while true do pcall(function() for i = 1, 1e9 do t[#t + 1] = {} end end) end",
               limits)
          .find("memory_exceeded"),
      std::string::npos);
}

TEST(LuaSandbox, TheStateRecoversAfterAnAbortedRun) {
  auto script = script_with(R"(
    if input.bomb then return { n = #string.rep('x', 1 << 30) } end
    if input.spin then while true do end end
    return { ok = true }
  )");
  ASSERT_TRUE(script);
  EXPECT_FALSE(script->validate({{"bomb", true}}));
  EXPECT_FALSE(script->validate({{"spin", true}}));
  auto r = script->validate(nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["ok"], true);
}

TEST(LuaSandbox, YieldingOutsideACoroutineIsAnError) {
  EXPECT_NE(error_of("coroutine.yield(1)").find("yield"), std::string::npos);
}

TEST(LuaSandbox, JsonRefusesWhatItCannotRepresent) {
  EXPECT_NE(error_of("local t = {} t.self = t return { s = json.encode(t) }").find("nested deeper"),
            std::string::npos);
  EXPECT_NE(error_of("return { s = json.encode(print or function() end) }").find("function"),
            std::string::npos);
  EXPECT_NE(error_of("return { v = json.decode('{nope') }").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("return { v = json.encode(0/0) }").find("NaN"), std::string::npos);
  auto r =
      eval("return { s = json.encode({ b = true, n = 1.5, i = 2, s = 'x', a = { 'p', 'q' }, e = {} }) }");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["s"], R"({"a":["p","q"],"b":true,"e":{},"i":2,"n":1.5,"s":"x"})");
}

// An empty JSON array stays an array through Lua (it was {} before), and
// a script can tell arrays from objects and make an empty one.
TEST(LuaSandbox, EmptyArraysKeepTheirKind) {
  auto r = eval(R"(
    local d = json.decode('{"a":[],"o":{},"n":[1,2]}')
    return {
      again = json.encode(d),
      made = json.encode({ e = json.array(), f = json.array({ 7 }) }),
      kinds = { json.is_array(d.a), json.is_array(d.o), json.is_array(d.n), json.is_array('x'),
                json.is_array({ x = 1 }) },
      mt = getmetatable(d.a),
    })");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["again"], R"({"a":[],"n":[1,2],"o":{}})");
  EXPECT_EQ((*r)["made"], R"({"e":[],"f":[7]})");
  EXPECT_EQ((*r)["kinds"], nlohmann::json({true, false, true, false, false}));
  EXPECT_EQ((*r)["mt"], "json.array");  // protected: a script cannot change the marker
  EXPECT_FALSE(eval("setmetatable(json.decode('[]'), {})"));
  EXPECT_NE(error_of("json.array(setmetatable({}, {}))").find("has a metatable"), std::string::npos);
  // The input of validate, and what it returns, keep it too.
  auto script = script_with("return input");
  ASSERT_TRUE(script);
  auto same = script->validate({{"list", nlohmann::json::array()}, {"map", nlohmann::json::object()}});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->dump(), R"({"list":[],"map":{}})");
}

TEST(LuaScriptLoad, ASyntaxErrorNamesFileAndLine) {
  auto script =
      LuaScript::load("bad", "return {\n  run = function(ctx)\n    local x = = 1\n  end }\n", "bad.lua");
  ASSERT_FALSE(script);
  EXPECT_EQ(script.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(script.error().message.rfind("bad.lua:3:", 0), 0u) << script.error().message;
}

TEST(LuaScriptLoad, ARuntimeErrorAtTopLevelNamesFileAndLine) {
  auto script = LuaScript::load("bad", "local x = nil\nreturn x.y\n", "bad.lua");
  ASSERT_FALSE(script);
  EXPECT_EQ(script.error().message.rfind("bad.lua:2:", 0), 0u) << script.error().message;
}

TEST(LuaScriptLoad, AScriptMustReturnATableWithRun) {
  auto none = LuaScript::load("t", "return 42", "t.lua");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("must return a table"), std::string::npos);
  auto norun = LuaScript::load("t", "return { validate = function() end }", "t.lua");
  ASSERT_FALSE(norun);
  EXPECT_NE(norun.error().message.find("no run function"), std::string::npos);
  auto badvalidate = LuaScript::load("t", "return { run = function() end, validate = 1 }", "t.lua");
  ASSERT_FALSE(badvalidate);
  EXPECT_NE(badvalidate.error().message.find("validate must be a function"), std::string::npos);
}

TEST(LuaScriptLoad, TheScriptTableIsReadRawly) {
  // An __index on the returned table would run outside any budget.
  auto script = LuaScript::load(
      "t", "return setmetatable({}, { __index = function() while true do end end })", "t.lua");
  ASSERT_FALSE(script);
  EXPECT_NE(script.error().message.find("no run function"), std::string::npos);
}

TEST(LuaScriptLoad, ABinaryChunkIsRefused) {
  std::string binary = std::string("\x1bLua", 4) + std::string(40, '\0');
  auto script = LuaScript::load("t", binary, "t.lua");
  ASSERT_FALSE(script);
  EXPECT_NE(script.error().message.find("binary"), std::string::npos) << script.error().message;
}

TEST(LuaScriptLoad, ValidateCanRefuseOrFillInTheInput) {
  auto script = LuaScript::load("t", R"(
    return {
      run = function() end,
      validate = function(input)
        if type(input.name) ~= "string" then error("name is required", 0) end
        if input.greeting == nil then input.greeting = "hi" end
        return input
      end,
    })",
                                "t.lua");
  ASSERT_TRUE(script) << script.error().message;
  auto refused = (*script)->validate(nlohmann::json::object());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "name is required");
  auto filled = (*script)->validate({{"name", "ada"}});
  ASSERT_TRUE(filled) << filled.error().message;
  EXPECT_EQ(*filled, (nlohmann::json{{"name", "ada"}, {"greeting", "hi"}}));
}

// The script is compiled once per version: running its top level again
// (each instance does, with its own _ENV) makes new closures of the same
// prototypes, so it costs a few hundred bytes however long the script is.
// Before, each run reloaded the bytecode: a copy of every function.
TEST(LuaScriptLoad, EachRunSharesTheCompiledFunctions) {
  std::string body;
  for (int i = 0; i < 200; ++i)
    body += "  x = x + " + std::to_string(i) + " * 3 - (y or 0) .. 'text" + std::to_string(i) + "'\n";
  auto script = LuaScript::load("t",
                                "local function big(x, y)\n" + body + "  return x\nend\n" +
                                    "return { run = function() return big end }",
                                "t.lua");
  ASSERT_TRUE(script) << script.error().message;
  LuaSandbox& sb = (*script)->sandbox();
  constexpr int kRuns = 50;
  size_t before = sb.bytes_in_use();
  auto done = sb.protect([&](lua_State* L) {
    ASSERT_TRUE(lua_checkstack(L, kRuns));
    for (int i = 0; i < kRuns; ++i) {  // kept on the stack: all alive at the end
      lua_State* thread = sb.push_thread(L);
      ASSERT_EQ(run_chunk(sb, L, thread, "t.lua"), "");
    }
    size_t per_run = (sb.bytes_in_use() - before) / kRuns;
    EXPECT_LT(per_run, 3000u) << "bytes per run of the top level";
  });
  ASSERT_TRUE(done) << done.error().message;
}

TEST(LuaScriptLoad, LinesAndTheTopLevelAreThoseOfTheScript) {
  // Line 1 is the script's line 1 (nothing is added before it), and `...`
  // is legal at the top level, as in any chunk.
  auto first = LuaScript::load("bad", "error('boom')\nreturn {}", "bad.lua");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message.rfind("bad.lua:1: boom", 0), 0u) << first.error().message;
  auto varargs =
      LuaScript::load("t", "local n = select('#', ...)\nreturn { run = function() return n end }", "t.lua");
  EXPECT_TRUE(varargs) << varargs.error().message;
}

TEST(LuaScriptLoad, AScriptCannotCloseTheFunctionItIsCompiledIn) {
  // Code after an early `end` would run outside the instance's _ENV.
  auto script = LuaScript::load("t", "return { run = function() end } end, os, (function() end)(", "t.lua");
  ASSERT_FALSE(script);
  EXPECT_EQ(script.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(script.error().message.rfind("t.lua:1:", 0), 0u) << script.error().message;
}

// validate and step functions run on a thread the sandbox keeps once a
// run has returned, instead of a new thread (about a kilobyte of garbage)
// per run. With the collector stopped, what each run leaves is its
// environment and the script's table, not a thread.
TEST(LuaScriptLoad, ValidateReusesItsThread) {
  auto script = script_with("return input");
  ASSERT_TRUE(script);
  lua_State* L = script->sandbox().state();
  ASSERT_TRUE(script->validate(nlohmann::json::object()));  // the spare exists from here on
  lua_gc(L, LUA_GCSTOP);
  constexpr int kRuns = 100;
  size_t before = script->sandbox().bytes_in_use();
  for (int i = 0; i < kRuns; ++i) ASSERT_TRUE(script->validate(nlohmann::json::object()));
  size_t per_run = (script->sandbox().bytes_in_use() - before) / kRuns;
  lua_gc(L, LUA_GCRESTART);
  EXPECT_LT(per_run, 800u) << "bytes left per validate";
  // A run that fails or is stopped does not give its thread back; the next
  // runs still work.
  EXPECT_FALSE(script_with("error('x')")->validate(nlohmann::json::object()));
  auto looping = script_with("while true do end");
  EXPECT_FALSE(looping->validate(nlohmann::json::object()));
  EXPECT_FALSE(looping->validate(nlohmann::json::object()));
}

}  // namespace
}  // namespace sundial::lua
